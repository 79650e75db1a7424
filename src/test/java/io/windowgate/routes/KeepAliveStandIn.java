package io.windowgate.routes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Cloud API stand-in on a plain server socket, so that a test controls its keep-alive connections: it answers every
 * POST with 200 and a fresh wamid on a connection it keeps open, and closes a connection silently (no
 * {@code Connection: close}, as a server's keep-alive timeout does) once it has been idle for {@code closeIdleAfterMs}
 * (0: never; {@link #closeIdleAfter} changes it for the connections opened after). It counts the connections it
 * closed and those the client closed.
 */
final class KeepAliveStandIn implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private volatile int closeIdleAfterMs;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closedByStandIn = new AtomicInteger();
    private final AtomicInteger closedByClient = new AtomicInteger();

    KeepAliveStandIn(int closeIdleAfterMs) throws IOException {
        this.closeIdleAfterMs = closeIdleAfterMs;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    void closeIdleAfter(int ms) {
        closeIdleAfterMs = ms;
    }

    String messagesUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/v22.0/123/messages";
    }

    int requests() {
        return requests.get();
    }

    int connections() {
        return connections.get();
    }

    int closedByStandIn() {
        return closedByStandIn.get();
    }

    int closedByClient() {
        return closedByClient.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                threads.execute(() -> serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(closeIdleAfterMs);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head;
                try {
                    head = readHead(in);
                } catch (SocketTimeoutException idle) {
                    closedByStandIn.incrementAndGet();
                    return;
                }
                if (head == null) {
                    closedByClient.incrementAndGet();
                    return;
                }
                in.readNBytes(contentLength(head));
                requests.incrementAndGet();
                byte[] body = ("{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid." + UUID.randomUUID()
                        + "\"}]}").getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // the client reset the connection, or the stand-in stops
        }
    }

    /** The request line and headers, or null when the client closed the connection before a new request. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
