package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The receivers' connections: one that answers a short body keeps its connection for the next events; one that answers
 * a body far longer than anyone needs to read has its answer taken from the status alone and its connection ended,
 * without the body being read.
 */
class CallbackConnectionsRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int NOTIFICATIONS = 5;
    /** Far more than the socket buffers of a loopback connection hold, so a receiver sees whether it was read. */
    private static final int BIG = 32 * 1024 * 1024;
    private Receiver small;
    private Receiver big;

    @Override
    Properties extraProperties() {
        try {
            small = new Receiver(2);
            big = new Receiver(BIG);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Properties p = new Properties();
        p.setProperty("callbacks.url", "http://localhost:" + small.port() + "/events");
        // one attempt at a time per receiver: every event of the short receiver can go over one connection
        p.setProperty("callbacks.per-host-concurrency", "1");
        return p;
    }

    @AfterEach
    void stopReceivers() {
        if (small != null) {
            small.close();
        }
        if (big != null) {
            big.close();
        }
    }

    private JsonNode events(String status) throws Exception {
        return json.readTree(get("/api/callbacks?status=" + status).body()).path("items");
    }

    @Test
    void aShortAnswerKeepsItsConnectionAndAnEndlessOneIsNotRead() throws Exception {
        for (int i = 0; i < NOTIFICATIONS; i++) {
            postJson("/api/notifications", ADMIN_TOKEN, "{\"id\":\"short-" + i + "\",\"to\":\"+1415555017" + i
                    + "\",\"template\":{\"name\":\"hello\",\"language\":\"en_US\"}}");
        }
        postJson("/api/notifications", ADMIN_TOKEN, "{\"id\":\"long\",\"to\":\"+14155550179\",\"template\":{\"name\":"
                + "\"hello\",\"language\":\"en_US\"},\"callbackUrl\":\"http://localhost:" + big.port() + "/events\"}");

        // each notification's QUEUED and SENT events, the last one's to the other receiver
        await().atMost(WAIT).until(() -> small.requests.get() >= 2 * NOTIFICATIONS && big.requests.get() >= 2
                && events("PENDING").isEmpty());
        assertThat(events("FAILED")).as("every event taken").isEmpty();
        assertThat(small.connections.get()).as("connections for %d events", small.requests.get()).isEqualTo(1);
        // the long answers were not read to their end: the receiver could not write them out
        await().atMost(WAIT).until(() -> big.answersCutShort.get() == big.requests.get());
        assertThat(big.connections.get()).as("a new connection for each event after a long answer")
                .isEqualTo(big.requests.get());
    }

    /**
     * A receiver on a plain socket (so it can count connections and see whether its answers were read): answers every
     * request 200 with a body of the given length, and keeps the connection for the next request.
     */
    private static final class Receiver implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger answersCutShort = new AtomicInteger();
        private final AtomicBoolean open = new AtomicBoolean(true);
        private final ServerSocket server;
        private final int bodyLength;

        Receiver(int bodyLength) throws IOException {
            this.bodyLength = bodyLength;
            server = new ServerSocket(0);
            Thread acceptor = new Thread(this::accept, "receiver-" + server.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (open.get()) {
                try {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    Thread t = new Thread(() -> serve(socket), "receiver-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                while (readRequest(in)) {
                    requests.incrementAndGet();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + bodyLength
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int written = 0; written < bodyLength; written += chunk.length) {
                            out.write(chunk, 0, Math.min(chunk.length, bodyLength - written));
                        }
                        out.flush();
                    } catch (IOException cutShort) {
                        answersCutShort.incrementAndGet();
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away between requests
            }
        }

        /** Reads one request (head and Content-Length body); false at the end of the connection. */
        private static boolean readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                head.append((char) c);
                if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                    break;
                }
            }
            if (c < 0) {
                return false;
            }
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            return in.readNBytes(length).length == length;
        }

        @Override
        public void close() {
            open.set(false);
            try {
                server.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
