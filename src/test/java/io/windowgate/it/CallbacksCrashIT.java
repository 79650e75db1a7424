package io.windowgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The callbacks' promise, tested black-box on the packaged jar with a real kill -9: every notification's status events
 * reach the receiver, signed, in order, at least once and repeated only under the same eventId, none lost in the
 * database, and a cancelled notification never reaches WhatsApp.
 *
 * <p>Fifty customers have written in (signed inbound webhooks: their windows are open), fifty have not. A CSV drop
 * sends a session text to each open window and a template to each closed one; CRM pushes do the same, plus session
 * texts to closed windows without a template (HELD) and templates scheduled an hour ahead (SCHEDULED), half of each
 * cancelled. The Cloud API stand-in echoes every send as sent, delivered and read webhooks. The receiver here checks
 * every signature and answers 500 to the first attempt of every event. The app is killed while sends and events are
 * under way and restarted on the same database; then every event row must be delivered, and what the receiver took
 * must tell each notification's story, from its first status to the one the API shows.
 */
@Timeout(300)
class CallbacksCrashIT {

    static final String API_TOKEN = "it-api-token";
    static final String CALLBACK_SECRET = "it-callback-secret";
    static final int RECIPIENTS = 100;
    static final int CSV_ROWS = 200;
    static final int CRM_OPEN = 60;
    static final int CRM_CLOSED = 40;
    static final int CRM_HELD = 30;
    static final int CRM_SCHEDULED = 20;
    static final ObjectMapper JSON = new ObjectMapper();
    /** How far along a notification's life each status is: a receiver never sees one step back. */
    static final Map<String, Integer> RANK = Map.of("SCHEDULED", 0, "QUEUED", 1, "HELD", 1, "SENT", 2,
            "DELIVERED", 3, "READ", 4, "FAILED", 5, "EXPIRED", 5, "CANCELLED", 5, "REJECTED", 5);

    @TempDir
    Path data;

    ProviderStandIn provider;
    WindowgateProcess app;
    Receiver receiver;

    @RegisterExtension
    final TestWatcher printLogOnFailure = WindowgateProcess.printLogOnFailure(() -> app);

    @AfterEach
    void tearDown() throws InterruptedException {
        if (app != null) {
            app.stop();
        }
        if (provider != null) {
            provider.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void afterKillMinus9EveryEventArrivesSignedInOrderAndCancelledOnesAreNeverSent() throws Exception {
        receiver = new Receiver(CALLBACK_SECRET);
        provider = new ProviderStandIn(4, 2);
        Map<String, String> config = WindowgateProcess.killableProperties(data, provider.messagesUrl(), API_TOKEN, 4);
        config.put("callbacks.url", receiver.url());
        config.put("callbacks.secret", CALLBACK_SECRET);
        // a dead node's claims on events are taken over after 3 × timeout + 30 s: the shortest timeout keeps that short
        config.put("callbacks.timeout", "PT1S");
        config.put("callbacks.retry.initial-delay", "PT0.2S");
        config.put("callbacks.retry.max-delay", "PT1S");
        app = new WindowgateProcess(WindowgateProcess.defaultJar(), data.resolve("work"),
                WindowgateProcess.itLog("CallbacksCrashIT"), config, List.of());
        int port = Integer.parseInt(config.get("camel.server.port"));
        WindowgateApi api = new WindowgateApi(port, API_TOKEN);
        Admin admin = new Admin(port, API_TOKEN);
        provider.echoStatuses(URI.create("http://127.0.0.1:" + port + "/webhooks/whatsapp"),
                config.get("whatsapp.app-secret"), config.get("whatsapp.phone-number-id"), 2,
                Duration.ofMillis(300), Duration.ofMillis(600));
        BulkWorkload workload = new BulkWorkload(RECIPIENTS);

        app.start().waitHealthy(Duration.ofSeconds(60));
        for (byte[] body : workload.openWindowWebhooks(25, Instant.now().getEpochSecond())) {
            api.webhook(body, config.get("whatsapp.app-secret"));
        }

        // what each notification must end as, as the API and the last event it sent say
        Map<String, String> expectedFinal = new LinkedHashMap<>();
        Set<String> cancelled = new HashSet<>();
        ArrayNode waiting = JSON.createArrayNode();
        for (int i = 0; i < CRM_HELD; i++) {
            waiting.addObject().put("id", "crm-held-" + i).put("to", BulkWorkload.recipient(2 * i + 1))
                    .put("text", "Your parcel " + i + " is waiting at the depot.");
            expectedFinal.put("crm-held-" + i, "HELD");
        }
        String later = Instant.now().plus(Duration.ofHours(1)).toString();
        for (int i = 0; i < CRM_SCHEDULED; i++) {
            ObjectNode item = waiting.addObject().put("id", "crm-scheduled-" + i)
                    .put("to", BulkWorkload.recipient(2 * i + 1)).put("sendAt", later);
            item.putObject("template").put("name", BulkWorkload.TEMPLATE).put("language", BulkWorkload.LANGUAGE)
                    .putArray("params").add(Integer.toString(i)).add(BulkWorkload.SECOND_PARAM);
            expectedFinal.put("crm-scheduled-" + i, "SCHEDULED");
        }
        assertThat(WindowgateApi.accepted(api.push(waiting))).as("held and scheduled pushes accepted")
                .hasSize(CRM_HELD + CRM_SCHEDULED);
        await("session texts to closed windows HELD").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> api.list("HELD", 500).size() == CRM_HELD);
        for (int i = 0; i < CRM_HELD; i += 2) {
            cancel(admin, "crm-held-" + i, expectedFinal, cancelled);
        }
        for (int i = 0; i < CRM_SCHEDULED; i += 2) {
            cancel(admin, "crm-scheduled-" + i, expectedFinal, cancelled);
        }

        // the sends: the CSV drop and the CRM push of session texts to open windows and templates to closed ones
        Set<String> toSend = new HashSet<>();
        for (int i = 0; i < CSV_ROWS; i++) {
            toSend.add("csv-" + i);
        }
        ArrayNode sends = JSON.createArrayNode();
        for (int i = 0; i < CRM_OPEN; i++) {
            sends.addObject().put("id", "crm-open-" + i).put("to", BulkWorkload.recipient(2 * (i % 50)))
                    .put("text", "Your table for " + i + " is ready.");
            toSend.add("crm-open-" + i);
        }
        for (int i = 0; i < CRM_CLOSED; i++) {
            ObjectNode item = sends.addObject().put("id", "crm-closed-" + i)
                    .put("to", BulkWorkload.recipient(2 * (i % 50) + 1));
            item.putObject("template").put("name", BulkWorkload.TEMPLATE).put("language", BulkWorkload.LANGUAGE)
                    .putArray("params").add(Integer.toString(i)).add(BulkWorkload.SECOND_PARAM);
            toSend.add("crm-closed-" + i);
        }
        toSend.forEach(id -> expectedFinal.put(id, "READ"));
        WindowgateApi.publish(workload.writeCsv(Path.of(config.get("drop.dir")), "callbacks.csv", "csv-", CSV_ROWS));
        assertThat(WindowgateApi.accepted(api.push(sends))).as("CRM sends accepted").hasSize(CRM_OPEN + CRM_CLOSED);

        // kill -9 while sends are in flight and events wait: a third sent, some events taken, far from all
        await("a third of the sends and some events").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(10)).until(() -> {
                    if (!app.isAlive()) {
                        throw new IllegalStateException("Windowgate exited by itself; see " + app.log());
                    }
                    return provider.distinctIds() >= toSend.size() / 3 && receiver.taken() >= 50;
                });
        app.kill();
        System.out.printf("kill -9: %d of %d notifications sent, %d events taken by the receiver (%d POSTs)%n",
                provider.distinctIds(), toSend.size(), receiver.taken(), receiver.posts());
        assertThat(receiver.taken()).as("events taken at the kill: many still to go")
                .isLessThan(toSend.size() * 3);

        app.start().waitStarted(Duration.ofSeconds(60));
        await("every notification's last event taken, none pending").atMost(Duration.ofSeconds(150))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(IOException.class)
                .untilAsserted(() -> {
                    // what can never be right again fails at once, not after the wait
                    List<String> wrong = receiver.outOfOrder();
                    if (!wrong.isEmpty()) {
                        throw new IllegalStateException("status events taken before the one they follow ("
                                + wrong.size() + "): " + wrong.subList(0, Math.min(10, wrong.size())));
                    }
                    if (!receiver.invalidSignatures().isEmpty()) {
                        throw new IllegalStateException("POSTs whose X-Windowgate-Signature does not verify: "
                                + receiver.invalidSignatures());
                    }
                    Map<String, String> last = receiver.lastTakenStatus();
                    List<String> behind = expectedFinal.entrySet().stream()
                            .filter(e -> !e.getValue().equals(last.get(e.getKey()))).map(Map.Entry::getKey)
                            .toList();
                    assertThat(behind.stream().limit(10).map(id -> id + "=" + last.get(id)).toList())
                            .as("notifications whose last event taken is not their final status (%d, 10 shown)",
                                    behind.size()).isEmpty();
                    assertThat(admin.events("PENDING")).as("events pending").isEmpty();
                });

        // the database's side: every event row delivered, none failed or stopped
        assertThat(admin.events("FAILED")).as("GET /api/callbacks?status=FAILED").isEmpty();
        assertThat(admin.events("GONE")).as("events stopped by 410").isEmpty();
        Set<String> stored = new HashSet<>();
        for (JsonNode e : admin.events("SENT")) {
            stored.add(e.path("eventId").asText());
        }
        assertThat(receiver.takenIds()).as("events the receiver took = event rows delivered").isEqualTo(stored);

        // the receiver's side: signatures, repeats, order, and each notification's story up to its API status
        assertThat(receiver.invalidSignatures()).as("POSTs whose X-Windowgate-Signature does not verify").isEmpty();
        assertThat(receiver.bodiesDifferingUnderOneEventId()).as("eventIds sent with different bodies").isEmpty();
        assertThat(receiver.outOfOrder()).as("status events taken before the one they follow").isEmpty();
        for (String id : expectedFinal.keySet()) {
            List<JsonNode> story = receiver.story("n:" + id);
            assertThat(story).as("status events of %s", id).isNotEmpty();
            assertThat(story.get(0).path("previousStatus").isNull()).as("%s's first event has no previousStatus: %s",
                    id, story.get(0)).isTrue();
            Set<String> steps = new HashSet<>();
            for (int k = 1; k < story.size(); k++) {
                JsonNode before = story.get(k - 1);
                JsonNode event = story.get(k);
                assertThat(event.path("previousStatus").asText()).as("%s: previousStatus of %s", id, event)
                        .isEqualTo(before.path("status").asText());
                assertThat(RANK.get(event.path("status").asText())).as("%s: step back from %s to %s", id, before,
                        event).isGreaterThanOrEqualTo(RANK.get(before.path("status").asText()));
                assertThat(steps.add(event.path("previousStatus").asText() + ">" + event.path("status").asText()))
                        .as("%s: the same status change under two eventIds: %s", id, event).isTrue();
            }
            assertThat(api.statusOf(id)).as("API status of %s", id).isEqualTo(expectedFinal.get(id));
        }
        for (int r = 0; r < RECIPIENTS; r += 2) {
            List<JsonNode> window = receiver.story("w:default:" + BulkWorkload.recipient(r));
            assertThat(window).as("window events of recipient %d", r).hasSize(1);
            assertThat(window.get(0).path("type").asText()).isEqualTo("window.opened");
        }
        for (String id : cancelled) {
            assertThat(provider.sendsOf(id)).as("sends of cancelled %s", id).isZero();
        }
        assertThat(toSend).as("every notification not cancelled sent").allMatch(id -> provider.sendsOf(id) >= 1);
        System.out.printf("CallbacksCrashIT: %d notifications (%d cancelled), %d events taken, %d POSTs to the "
                        + "receiver (%d taken again after the kill), %d sends to the stand-in%n", expectedFinal.size(),
                cancelled.size(), receiver.taken(), receiver.posts(), receiver.takenTwice(), provider.total());
    }

    private static void cancel(Admin admin, String id, Map<String, String> expectedFinal, Set<String> cancelled)
            throws Exception {
        HttpResponse<String> answer = admin.post("/api/notifications/" + id + "/cancel");
        assertThat(answer.statusCode()).as("cancel %s: %s", id, answer.body()).isEqualTo(200);
        expectedFinal.put(id, "CANCELLED");
        cancelled.add(id);
    }

    /** The operations API calls that WindowgateApi does not make: cancel and the event lists. */
    static final class Admin {
        private final String baseUrl;
        private final String token;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        Admin(int port, String token) {
            this.baseUrl = "http://127.0.0.1:" + port;
            this.token = token;
        }

        HttpResponse<String> post(String path) throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        /** Every event in a delivery state, all pages of GET /api/callbacks. */
        List<JsonNode> events(String state) throws IOException, InterruptedException {
            List<JsonNode> all = new ArrayList<>();
            String after = "";
            do {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(baseUrl
                        + "/api/callbacks?status=" + state + "&limit=1000&after="
                        + URLEncoder.encode(after, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() != 200) {
                    throw new IOException("GET /api/callbacks answered " + answer.statusCode() + ": "
                            + answer.body());
                }
                JsonNode page = JSON.readTree(answer.body());
                page.path("items").forEach(all::add);
                after = page.path("next").asText("");
            } while (!after.isEmpty());
            return all;
        }
    }

    /**
     * The source system's receiver: checks each POST's X-Windowgate-Signature as docs/callbacks.md tells a receiver
     * to, answers 500 to the first attempt of every event and 200 to the others, and keeps every POST in arrival order.
     */
    static final class Receiver implements AutoCloseable {
        record Post(long seq, String eventId, String stream, String body, boolean signatureValid, boolean taken) {
        }

        private final byte[] secret;
        private final HttpServer server;
        private final ExecutorService threads = Executors.newFixedThreadPool(8);
        private final AtomicLong seq = new AtomicLong();
        private final List<Post> posts = new ArrayList<>();
        private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

        Receiver(String secret) throws IOException {
            this.secret = secret.getBytes(StandardCharsets.UTF_8);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
            server.setExecutor(threads);
            server.createContext("/events", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/events";
        }

        private void handle(HttpExchange exchange) throws IOException {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status;
            try {
                JsonNode event = JSON.readTree(body);
                String eventId = event.path("eventId").asText();
                String stream = event.hasNonNull("notificationId") ? "n:" + event.path("notificationId").asText()
                        : "w:" + event.path("businessNumber").asText() + ":" + event.path("to").asText();
                boolean first = attempts.computeIfAbsent(eventId, k -> new AtomicInteger()).incrementAndGet() == 1;
                status = first ? 500 : 200;
                boolean valid = valid(exchange.getRequestHeaders().getFirst("X-Windowgate-Signature"), body);
                synchronized (posts) {
                    posts.add(new Post(seq.incrementAndGet(), eventId, stream,
                            new String(body, StandardCharsets.UTF_8), valid, status == 200));
                }
            } catch (IOException e) {
                status = 400;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        }

        /** The check docs/callbacks.md gives a receiver: HMAC-SHA256 of "t.body", within 5 minutes. */
        private boolean valid(String header, byte[] body) {
            if (header == null) {
                return false;
            }
            String t = null;
            String v1 = null;
            for (String part : header.split(",")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length == 2 && kv[0].equals("t")) {
                    t = kv[1];
                } else if (kv.length == 2 && kv[0].equals("v1")) {
                    v1 = kv[1];
                }
            }
            if (t == null || v1 == null || Math.abs(Instant.now().getEpochSecond() - Long.parseLong(t)) > 300) {
                return false;
            }
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret, "HmacSHA256"));
                mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
                byte[] expected = java.util.HexFormat.of().formatHex(mac.doFinal(body))
                        .getBytes(StandardCharsets.UTF_8);
                return MessageDigest.isEqual(expected, v1.getBytes(StandardCharsets.UTF_8));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private List<Post> all() {
            synchronized (posts) {
                return new ArrayList<>(posts);
            }
        }

        long posts() {
            return all().size();
        }

        /** Distinct events answered 200. */
        long taken() {
            return takenIds().size();
        }

        Set<String> takenIds() {
            Set<String> ids = new HashSet<>();
            all().stream().filter(Post::taken).forEach(p -> ids.add(p.eventId()));
            return ids;
        }

        /** Events answered 200 more than once (the answer lost to the kill, or a claim taken over). */
        long takenTwice() {
            Map<String, Integer> n = new HashMap<>();
            all().stream().filter(Post::taken).forEach(p -> n.merge(p.eventId(), 1, Integer::sum));
            return n.values().stream().filter(c -> c > 1).count();
        }

        /** The status of each notification's latest event taken. */
        Map<String, String> lastTakenStatus() throws IOException {
            Map<String, String> last = new HashMap<>();
            for (Post p : all()) {
                if (p.taken() && p.stream().startsWith("n:")) {
                    last.put(p.stream().substring(2), JSON.readTree(p.body()).path("status").asText());
                }
            }
            return last;
        }

        List<String> invalidSignatures() {
            return all().stream().filter(p -> !p.signatureValid()).map(Post::body).limit(10).toList();
        }

        List<String> bodiesDifferingUnderOneEventId() {
            Map<String, String> first = new HashMap<>();
            List<String> differing = new ArrayList<>();
            for (Post p : all()) {
                String seen = first.putIfAbsent(p.eventId(), p.body());
                if (seen != null && !seen.equals(p.body())) {
                    differing.add(p.eventId());
                }
            }
            return differing;
        }

        /**
         * Status events taken out of order: each notification's events, in the order the receiver first took them
         * (answered 200), must each name as previousStatus the status of the one taken before (none for the first).
         */
        List<String> outOfOrder() throws IOException {
            Set<String> taken = new HashSet<>();
            Map<String, String> lastStatus = new HashMap<>();
            List<String> wrong = new ArrayList<>();
            for (Post p : all()) {
                if (!p.taken() || !p.stream().startsWith("n:") || !taken.add(p.eventId())) {
                    continue;
                }
                JsonNode event = JSON.readTree(p.body());
                String previous = event.path("previousStatus").asText(null);
                String before = lastStatus.put(p.stream(), event.path("status").asText());
                if (!java.util.Objects.equals(previous, before)) {
                    wrong.add(p.stream() + ": " + previous + ">" + event.path("status").asText() + " taken after "
                            + before);
                }
            }
            return wrong;
        }

        /** A stream's distinct events in the order the receiver first took them. */
        List<JsonNode> story(String stream) throws IOException {
            Set<String> seen = new HashSet<>();
            List<JsonNode> events = new ArrayList<>();
            for (Post p : all()) {
                if (p.taken() && p.stream().equals(stream) && seen.add(p.eventId())) {
                    events.add(JSON.readTree(p.body()));
                }
            }
            return events;
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
