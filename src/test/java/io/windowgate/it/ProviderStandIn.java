package io.windowgate.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A WhatsApp Cloud API stand-in for tests and benchmarks that run the app as a separate process: a JDK HttpServer
 * on 127.0.0.1 that answers every POST with 200 and a fresh wamid, and counts the sends per
 * {@code biz_opaque_callback_data} (the notification id that Windowgate puts into every send).
 *
 * <p>A send is counted when it arrives, before the answer: a send the app had in flight when it was killed counts,
 * and so does its repeat after the restart.
 *
 * <p>For the full-loop benchmark it can also behave like the Cloud API under load, each part switched on apart:
 * answers after {@code delayMs} ± a {@link #jitter} fraction; a throughput {@link #cap} per second (sliding one-second
 * window over the sends it accepted) above which it answers 429 with error 130429 and counts the send as refused, not
 * as sent; and the {@link #echoStatuses echo} of every accepted send as three signed status webhooks (sent, delivered,
 * read), one POST each, from a small pool of threads, with the time from when WhatsApp would have sent each one until
 * the app answered it.
 */
public final class ProviderStandIn implements AutoCloseable {

    static {
        // answer without Nagle's delay (headers and body are two writes): the JDK server reads this once, at first use
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }


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

    private volatile double jitter;
    private volatile int capPerSecond;
    /** Arrival nanos of the last capPerSecond accepted sends (ring), guarded by itself. */
    private long[] accepted = new long[0];
    private int acceptedNext;
    private final AtomicLong refused = new AtomicLong();
    /** For each refused send, how much less than a second after the oldest of the last capPerSecond accepted it came. */
    private final LatencySamples refusedShortOfSecond = new LatencySamples(1 << 12);
    private volatile StatusEcho echo;

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

    /** Answers after delayMs × (1 ± {@code fraction}), uniformly spread (0: always delayMs). */
    public ProviderStandIn jitter(double fraction) {
        this.jitter = fraction;
        return this;
    }

    /**
     * Accepts at most {@code perSecond} sends in any one-second window (0: no cap) and answers the others at once
     * with HTTP 429 and Cloud API error 130429, as WhatsApp does above a number's throughput; a refused send is not
     * counted in {@link #sendsOf}.
     */
    public ProviderStandIn cap(int perSecond) {
        synchronized (this) {
            accepted = new long[Math.max(0, perSecond)];
            acceptedNext = 0;
        }
        this.capPerSecond = perSecond;
        return this;
    }

    /** Sends refused with 130429 so far. */
    public long refused() {
        return refused.get();
    }

    /**
     * For each refused send (in order), by how many nanos it missed the window: less than a second after the send
     * capPerSecond places before it. Tells timing noise (a few milliseconds) from a sender that ignores the rate.
     */
    LatencySamples refusedShortOfSecond() {
        return refusedShortOfSecond;
    }

    /**
     * Echoes every accepted send from now on as three status webhooks (sent when it is answered, delivered
     * {@code delivered} later, read {@code read} later), each a POST of its own signed with {@code appSecret}, sent
     * by {@code threads} threads to {@code webhookUrl}.
     */
    public StatusEcho echoStatuses(URI webhookUrl, String appSecret, String phoneNumberId, int threads,
                                   Duration delivered, Duration read) {
        echo = new StatusEcho(webhookUrl, appSecret, phoneNumberId, threads, delivered, read);
        return echo;
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
        if (capPerSecond > 0 && !admit(arrived)) {
            refused.incrementAndGet();
            respond(exchange, 429, "{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"type\":\"OAuthException\","
                    + "\"code\":130429,\"error_data\":{\"messaging_product\":\"whatsapp\",\"details\":\"Cloud API "
                    + "message throughput has been reached.\"},\"fbtrace_id\":\"standin\"}}");
            return;
        }
        String callbackData = field(body, "\"biz_opaque_callback_data\"");
        if (callbackData != null) {
            AtomicInteger fresh = new AtomicInteger();
            AtomicInteger count = sendsPerId.putIfAbsent(callbackData, fresh);
            if (count == null) {
                lastNewIdNanos = System.nanoTime();
                count = fresh;
            }
            count.incrementAndGet();
        } else {
            withoutId.incrementAndGet();
        }
        String to = field(body, "\"to\"");
        String input = to == null ? "" : to;
        String waId = digits(input);
        String wamid = "wamid.standin." + wamids.incrementAndGet() + "." + System.nanoTime();
        String answer = "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"" + input + "\",\"wa_id\":\""
                + waId + "\"}],\"messages\":[{\"id\":\"" + wamid + "\"}]}";
        String notificationId = callbackData;
        Runnable reply = () -> {
            respond(exchange, 200, answer);
            handled(body, arrived);
            StatusEcho current = echo;
            if (current != null && notificationId != null) {
                current.echo(wamid, notificationId, waId);
            }
        };
        if (delayer == null) {
            reply.run();
        } else {
            double spread = jitter == 0 ? 1 : 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
            delayer.schedule(reply, Math.round(delayMs * 1000 * spread), TimeUnit.MICROSECONDS);
        }
    }

    /** Whether a send arriving at {@code nanos} is within the cap: fewer than capPerSecond accepted in the last second. */
    private synchronized boolean admit(long nanos) {
        if (accepted.length == 0) {
            return true;
        }
        long oldest = accepted[acceptedNext];
        if (oldest != 0 && nanos - oldest < 1_000_000_000L) {
            refusedShortOfSecond.add(1_000_000_000L - (nanos - oldest));
            return false;
        }
        accepted[acceptedNext] = nanos;
        acceptedNext = (acceptedNext + 1) % accepted.length;
        return true;
    }

    /**
     * The three status webhooks of each accepted send. Each is due when WhatsApp would send it; the lag is from then
     * until the app answered it (queueing here included: a slow app keeps the threads busy), the answer time from the
     * POST until the answer. A webhook the app does not answer with 200 is sent again a second later, as WhatsApp
     * retries.
     */
    public static final class StatusEcho implements AutoCloseable {
        private final URI webhookUrl;
        private final String appSecret;
        private final String phoneNumberId;
        private final Duration delivered;
        private final Duration read;
        private final ScheduledExecutorService senders;
        private final LatencySamples lags = new LatencySamples(1 << 16);
        private final LatencySamples answers = new LatencySamples(1 << 16);
        private final AtomicLong due = new AtomicLong();
        private final AtomicLong answered = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        /** Each sender thread's HMAC, keyed once: a Mac looked up and keyed per webhook cost more than the POST. */
        private final ThreadLocal<Mac> macs;
        /** Each sender thread's kept-alive connection to the app, opened at its first webhook and after a failure. */
        private final ThreadLocal<WebhookConnection> connections = new ThreadLocal<>();
        private final Set<WebhookConnection> open = ConcurrentHashMap.newKeySet();

        StatusEcho(URI url, String appSecret, String phoneNumberId, int threads, Duration delivered, Duration read) {
            this.webhookUrl = url;
            this.appSecret = appSecret;
            this.phoneNumberId = phoneNumberId;
            this.delivered = delivered;
            this.read = read;
            this.senders = Executors.newScheduledThreadPool(threads, daemon("stand-in-webhook"));
            byte[] key = appSecret.getBytes(StandardCharsets.UTF_8);
            this.macs = ThreadLocal.withInitial(() -> {
                try {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(new SecretKeySpec(key, "HmacSHA256"));
                    return mac;
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
                }
            });
        }

        void echo(String wamid, String notificationId, String recipient) {
            long now = System.nanoTime();
            schedule(now, wamid, notificationId, recipient, "sent");
            schedule(now + delivered.toNanos(), wamid, notificationId, recipient, "delivered");
            schedule(now + read.toNanos(), wamid, notificationId, recipient, "read");
        }

        private void schedule(long dueNanos, String wamid, String notificationId, String recipient, String status) {
            due.incrementAndGet();
            senders.schedule(() -> post(dueNanos, status(wamid, notificationId, recipient, status)),
                    Math.max(0, dueNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        /**
         * One POST, signed as WhatsApp signs it, on this thread's kept-alive connection. Written on a plain socket
         * rather than with HttpURLConnection or the JDK's HttpClient: their cost per request (a connection object,
         * header maps, the keep-alive cache; futures and a selector thread) was most of the stand-in's CPU, which must
         * stay small next to the app's.
         */
        private void post(long dueNanos, byte[] body) {
            long start = System.nanoTime();
            int status;
            WebhookConnection connection = connections.get();
            try {
                if (connection == null) {
                    connection = new WebhookConnection(webhookUrl);
                    connections.set(connection);
                    open.add(connection);
                }
                Mac mac = macs.get();
                String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
                status = connection.post(signature, body);
            } catch (IOException | RuntimeException e) {
                status = -1;
            }
            if (status != 200 && connection != null) {
                // a failed or refused webhook: start again on a fresh connection, as a client does after an error
                connection.close();
                open.remove(connection);
                connections.remove();
            }
            long end = System.nanoTime();
            if (status == 200) {
                answers.add(end - start);
                lags.add(end - dueNanos);
                answered.incrementAndGet();
            } else {
                failures.incrementAndGet();
                senders.schedule(() -> post(dueNanos, body), 1, TimeUnit.SECONDS);
            }
        }

        private byte[] status(String wamid, String notificationId, String recipient, String status) {
            long epoch = System.currentTimeMillis() / 1000;
            return ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba\",\"changes\":[{\"field\":"
                    + "\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":"
                    + "\"15550000000\",\"phone_number_id\":\"" + phoneNumberId + "\"},\"statuses\":[{\"id\":\"" + wamid
                    + "\",\"status\":\"" + status + "\",\"timestamp\":\"" + epoch + "\",\"recipient_id\":\"" + recipient
                    // as Meta sends them: the customer's business-scoped user id, and the message's pricing on every
                    // status
                    + "\",\"recipient_user_id\":\"US." + recipient + "\",\"pricing\":{\"billable\":true,"
                    + "\"pricing_model\":\"PMP\",\"category\":\"utility\",\"type\":\"regular\"}"
                    + ",\"biz_opaque_callback_data\":\"" + notificationId + "\"}]}}]}]}").getBytes(StandardCharsets.UTF_8);
        }

        /** Webhooks scheduled so far (three per accepted send). */
        public long due() {
            return due.get();
        }

        /** Webhooks the app answered with 200. */
        public long answered() {
            return answered.get();
        }

        /** Answers other than 200, and POSTs that failed (each sent again). */
        public long failures() {
            return failures.get();
        }

        /** From when each webhook was due until the app answered it. */
        LatencySamples lags() {
            return lags;
        }

        /** From each POST until its answer. */
        LatencySamples answers() {
            return answers;
        }

        @Override
        public void close() {
            senders.shutdownNow();
            open.forEach(WebhookConnection::close);
        }
    }

    /**
     * A kept-alive HTTP/1.1 connection that POSTs JSON to one URL and reads the answer to its end (Content-Length or
     * chunked), so the next POST can follow on the same connection. Not thread-safe: one per sender thread.
     */
    static final class WebhookConnection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final byte[] head;
        private final byte[] line = new byte[8192];

        WebhookConnection(URI url) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5000);
            socket.setSoTimeout(30_000);
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            in = new BufferedInputStream(socket.getInputStream(), 8192);
            head = ("POST " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                    + "\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ").getBytes(StandardCharsets.US_ASCII);
        }

        /** Posts the body; returns the answer's status code, or -1 when the server closes the connection after it. */
        int post(String signature, byte[] body) throws IOException {
            out.write(head);
            out.write((signature + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            String statusLine = readLine();
            if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean closes = false;
            for (String header = readLine(); !header.isEmpty(); header = readLine()) {
                int colon = header.indexOf(':');
                String name = colon < 0 ? header : header.substring(0, colon).trim();
                String value = colon < 0 ? "" : header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                } else if (name.equalsIgnoreCase("Connection")) {
                    closes = value.equalsIgnoreCase("close");
                }
            }
            if (chunked) {
                for (long size = chunkSize(); size > 0; size = chunkSize()) {
                    skip(size);
                    readLine();
                }
                while (!readLine().isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(length);
            } else {
                in.transferTo(OutputStream.nullOutputStream());
                closes = true;
            }
            return closes ? -1 : status;
        }

        private long chunkSize() throws IOException {
            String size = readLine();
            int extension = size.indexOf(';');
            return Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
        }

        private void skip(long n) throws IOException {
            in.skipNBytes(n);
        }

        private String readLine() throws IOException {
            int n = 0;
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the server closed the connection");
                }
                if (b != '\r' && n < line.length) {
                    line[n++] = (byte) b;
                }
            }
            return new String(line, 0, n, StandardCharsets.US_ASCII);
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
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

    /**
     * The string value of the first {@code "name": "value"} in a JSON body, or null: a scan instead of a JSON parser or a
     * regular expression per request, as the stand-in's CPU must stay small next to the app's. Enough for the bodies
     * Windowgate sends (no escaped quotes in ids and numbers).
     */
    static String field(String json, String quotedName) {
        int at = json.indexOf(quotedName);
        if (at < 0) {
            return null;
        }
        int colon = json.indexOf(':', at + quotedName.length());
        int open = colon < 0 ? -1 : json.indexOf('"', colon + 1);
        int close = open < 0 ? -1 : json.indexOf('"', open + 1);
        return close < 0 ? null : json.substring(open + 1, close);
    }

    private static String digits(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                out.append(c);
            }
        }
        return out.toString();
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
        if (echo != null) {
            echo.close();
        }
        if (delayer != null) {
            delayer.shutdownNow();
        }
    }
}
