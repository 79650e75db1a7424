package io.windowgate.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A receiver of Windowgate's events that takes its time, as a source system's endpoint might: each POST is read at once
 * and answered 200 after a fixed delay, from a scheduler rather than a sleeping thread, so that any number of events
 * can wait at once for almost no CPU. Benchmarks point callbacks.url here to show that a slow receiver does not slow
 * the sending.
 */
final class SlowEventReceiver implements AutoCloseable {

    private final HttpServer server;
    private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slow-receiver-answers");
        t.setDaemon(true);
        return t;
    });
    private final long delayMs;
    private final AtomicLong received = new AtomicLong();

    SlowEventReceiver(long delayMs) throws IOException {
        this.delayMs = delayMs;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "slow-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/events", this::handle);
        server.start();
    }

    /** Where the events go: callbacks.url. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/events";
    }

    /** Events received so far. */
    long received() {
        return received.get();
    }

    long delayMs() {
        return delayMs;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (InputStream body = exchange.getRequestBody()) {
            body.transferTo(OutputStream.nullOutputStream());
        }
        received.incrementAndGet();
        answers.schedule(() -> {
            try {
                exchange.sendResponseHeaders(200, -1);
            } catch (IOException e) {
                // the app gave up waiting (callbacks.timeout): it sends the event again, which is what it should do
            } finally {
                exchange.close();
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        server.stop(0);
        answers.shutdownNow();
    }
}
