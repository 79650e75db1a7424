package io.windowgate.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A WhatsApp Cloud API stand-in for tests and benchmarks that run the app as a separate process: a JDK HttpServer
 * on 127.0.0.1 that answers every POST with 200 and a fresh wamid, and counts the sends per
 * {@code biz_opaque_callback_data} (the notification id that Windowgate puts into every send).
 *
 * <p>A send is counted when it arrives, before the answer: a send the app had in flight when it was killed counts,
 * and so does its repeat after the restart.
 */
public final class ProviderStandIn implements AutoCloseable {

    static {
        // answer without Nagle's delay (headers and body are two writes): the JDK server reads this once, at first use
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final Pattern CALLBACK_DATA = Pattern.compile("\"biz_opaque_callback_data\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern TO = Pattern.compile("\"to\"\\s*:\\s*\"([^\"]*)\"");

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService delayer;
    private final long delayMs;

    private final Map<String, AtomicInteger> sendsPerId = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong withoutId = new AtomicLong();
    private final AtomicLong wamids = new AtomicLong();
    /** System.nanoTime() of the latest send that carried an id not seen before. */
    private volatile long lastNewIdNanos;
    private volatile Listener listener;

    /** Told about every POST once it has been answered (benchmarks use it for timings and body samples). */
    public interface Listener {
        /**
         * @param body          the request body
         * @param arrivedNanos  System.nanoTime() when the handler took the request (request line and headers read)
         * @param answeredNanos System.nanoTime() once the answer was written and the exchange closed
         */
        void handled(String body, long arrivedNanos, long answeredNanos);
    }

    /**
     * @param threads threads that handle requests
     * @param delayMs fixed time before each answer (0 = answer at once); the answer is sent later from a timer, so a
     *                delay holds no handler thread
     */
    public ProviderStandIn(int threads, long delayMs) throws IOException {
        this.delayMs = delayMs;
        this.handlers = Executors.newFixedThreadPool(threads, daemon("stand-in"));
        this.delayer = delayMs > 0 ? Executors.newSingleThreadScheduledExecutor(daemon("stand-in-delay")) : null;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The send endpoint in the Cloud API's shape, to use as whatsapp.session.url and whatsapp.template.url. */
    public String messagesUrl() {
        return baseUrl() + "/v22.0/123/messages";
    }

    /** How many sends carried this notification id. */
    public int sendsOf(String id) {
        AtomicInteger n = sendsPerId.get(id);
        return n == null ? 0 : n.get();
    }

    /** Sends per notification id (a live view). */
    public Map<String, AtomicInteger> sendsPerId() {
        return sendsPerId;
    }

    /** Number of distinct notification ids sent at least once. */
    public int distinctIds() {
        return sendsPerId.size();
    }

    /** Every POST received, repeats included. */
    public long total() {
        return total.get();
    }

    /** POSTs without a biz_opaque_callback_data (never expected from Windowgate). */
    public long withoutId() {
        return withoutId.get();
    }

    /** System.nanoTime() when the latest new id arrived (0 before the first). */
    public long lastNewIdNanos() {
        return lastNewIdNanos;
    }

    /** Tells {@code listener} about every POST from now on (null: nobody). */
    public void listener(Listener listener) {
        this.listener = listener;
    }

    /** A copy of the sends per id, taken now. */
    public Map<String, Integer> snapshot() {
        Map<String, Integer> copy = new HashMap<>();
        sendsPerId.forEach((id, n) -> copy.put(id, n.get()));
        return copy;
    }

    /**
     * Waits until no POST has arrived for two polls in a row (100 ms): after a kill, the requests the dead process
     * had already written are counted before a snapshot is taken.
     */
    public void awaitQuiet() {
        long[] last = {-1};
        await("stand-in quiet").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    long now = total.get();
                    boolean same = now == last[0];
                    last[0] = now;
                    return same;
                });
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (!"POST".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, "{}");
            return;
        }
        total.incrementAndGet();
        Matcher id = CALLBACK_DATA.matcher(body);
        if (id.find()) {
            AtomicInteger fresh = new AtomicInteger();
            AtomicInteger count = sendsPerId.putIfAbsent(id.group(1), fresh);
            if (count == null) {
                lastNewIdNanos = System.nanoTime();
                count = fresh;
            }
            count.incrementAndGet();
        } else {
            withoutId.incrementAndGet();
        }
        Matcher to = TO.matcher(body);
        String input = to.find() ? to.group(1) : "";
        String answer = "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"" + input + "\",\"wa_id\":\""
                + input.replaceAll("\\D", "") + "\"}],\"messages\":[{\"id\":\"wamid.standin." + wamids.incrementAndGet()
                + "." + System.nanoTime() + "\"}]}";
        if (delayer == null) {
            respond(exchange, 200, answer);
            handled(body, arrived);
        } else {
            delayer.schedule(() -> {
                respond(exchange, 200, answer);
                handled(body, arrived);
            }, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void handled(String body, long arrived) {
        Listener current = listener;
        if (current != null) {
            current.handled(body, arrived, System.nanoTime());
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            out.write(bytes);
        } catch (IOException e) {
            // the app went away (killed) while we answered: nothing to do
        } finally {
            exchange.close();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
        if (delayer != null) {
            delayer.shutdownNow();
        }
    }
}
