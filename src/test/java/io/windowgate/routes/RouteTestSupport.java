package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.windowgate.WindowgateApplication;
import io.windowgate.notification.Status;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.store.StoredNotification;
import io.windowgate.whatsapp.WebhookInbox;
import io.windowgate.whatsapp.WebhookSignature;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.test.AvailablePortFinder;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.quartz.JobKey;

/**
 * Boots the real application (YAML routes, application.properties, Flyway on a private in-memory HSQLDB) against a
 * WireMock Cloud API stand-in over real HTTP, with a private drop folder and free ports for each test.
 */
abstract class RouteTestSupport extends CamelMainTestSupport {

    static final String APP_SECRET = "test-app-secret";
    static final String VERIFY_TOKEN = "test-verify-token";
    static final String ACCESS_TOKEN = "test-access-token";
    static final String ADMIN_TOKEN = "test-admin-token";
    static final String SESSION_PATH = "/v22.0/session/messages";
    static final String TEMPLATE_PATH = "/v22.0/template/messages";

    final ObjectMapper json = new ObjectMapper();
    /**
     * Every answer it receives is held to the OpenAPI document (OpenApiContract). HTTP/1.1 as the source systems speak
     * it: the JDK client's default first offers an upgrade to cleartext HTTP/2 on each new connection, and one such
     * upgrade once read a large answer out of step (a frame header taken from the body), failing a test on the
     * transport rather than on what it checks.
     */
    final HttpClient http = OpenApiContract.checking(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .build());
    WireMockServer provider;
    Path dropDir;
    int serverPort;

    @Override
    protected Class<?> getMainClass() {
        return WindowgateApplication.class;
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        if (provider == null) {
            provider = new WireMockServer(options().dynamicPort());
            provider.start();
            acceptAllSends();
        }
        try {
            dropDir = Files.createTempDirectory("windowgate-drop");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        serverPort = AvailablePortFinder.getNextAvailable();
        Properties p = new Properties();
        p.setProperty("camel.server.port", Integer.toString(serverPort));
        p.setProperty("camel.management.port", Integer.toString(AvailablePortFinder.getNextAvailable()));
        p.setProperty("db.url", "jdbc:hsqldb:mem:route-test-" + UUID.randomUUID() + ";hsqldb.tx=mvcc");
        p.setProperty("drop.dir", dropDir.toString());
        p.setProperty("drop.poll-interval-ms", "100");
        p.setProperty("drop.stable-ms", "100");
        p.setProperty("whatsapp.access-token", ACCESS_TOKEN);
        p.setProperty("whatsapp.app-secret", APP_SECRET);
        p.setProperty("whatsapp.webhook.verify-token", VERIFY_TOKEN);
        p.setProperty("whatsapp.session.url", provider.baseUrl() + SESSION_PATH);
        p.setProperty("whatsapp.template.url", provider.baseUrl() + TEMPLATE_PATH);
        p.setProperty("admin.api-token", ADMIN_TOKEN);
        // the outbox looks for due notifications often; pacing is lifted unless a test class sets it
        p.setProperty("outbox.poll-interval-ms", "100");
        p.setProperty("whatsapp.pair.burst", "1000");
        p.setProperty("whatsapp.max-messages-per-second", "1000");
        p.setProperty("whatsapp.retry.max-redeliveries", "2");
        p.setProperty("whatsapp.retry.initial-delay-ms", "10");
        p.setProperty("whatsapp.retry.max-delay-ms", "50");
        // generous: on a loaded 2-core machine WireMock's first answers (cold JIT) took over 2 s; a timeout there would
        // leave the send's outcome unknown for whatsapp.unknown-outcome-wait and fail a test that has nothing to do with it
        p.setProperty("whatsapp.response-timeout-ms", "5000");
        // the sweep is triggered by the tests themselves, never by the clock
        p.setProperty("expiry.cron", "0 0 0 1 1 ? 2099");
        p.putAll(extraProperties());
        return p;
    }

    /** Per-class property overrides. */
    Properties extraProperties() {
        return new Properties();
    }

    @AfterEach
    void stopProvider() {
        if (provider != null) {
            provider.stop();
        }
    }

    /** The stand-in answers every send with 200 and a fresh wamid, as the Cloud API does. */
    void acceptAllSends() {
        provider.stubFor(post(urlPathMatching("/v22.0/.*/messages")).atPriority(10).willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"x\",\"wa_id\":\"x\"}],"
                        + "\"messages\":[{\"id\":\"wamid.{{randomValue type='UUID'}}\"}]}")
                .withTransformers("response-template")));
    }

    /** The JSON bodies the stand-in received on a path, in arrival order. */
    List<JsonNode> sentTo(String path) {
        return provider.findAll(postRequestedFor(urlPathMatching(path))).stream().map(r -> {
            try {
                return json.readTree(r.getBodyAsString());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    /** How many sends (session and template) carried this notification id. */
    long sendsOf(String id) {
        return provider.findAll(postRequestedFor(urlPathMatching("/v22.0/.*/messages"))).stream()
                .filter(r -> r.getBodyAsString().contains("\"biz_opaque_callback_data\":\"" + id + "\"")).count();
    }

    /** Fires a Quartz-driven route now (its job is named after the route) and waits until that run completed. */
    void runScheduledRoute(String routeId) throws Exception {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute(routeId).whenCompleted(1).create();
        context.getComponent("quartz", QuartzComponent.class).getScheduler()
                .triggerJob(JobKey.jobKey(routeId, "windowgate"));
        assertThat(done.matches(10, TimeUnit.SECONDS)).as(routeId + " completed a run").isTrue();
    }

    StoredNotification stored(String id) {
        try {
            return context.getRegistry().lookupByNameAndType("notificationStore", NotificationStore.class).find(id);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    Status statusOf(String id) {
        StoredNotification n = stored(id);
        return n == null ? null : n.status();
    }

    SessionWindowStore windows() {
        return context.getRegistry().lookupByNameAndType("sessionWindowStore", SessionWindowStore.class);
    }

    /** Writes a CSV into the drop folder the way a careful exporter does: a .tmp name first, then a rename. */
    Path drop(String name, String content) throws IOException {
        Path tmp = dropDir.resolve(name + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        return Files.move(tmp, dropDir.resolve(name));
    }

    /** A webhook body with one inbound text message per (phone digits, epoch seconds) pair, all in one change. */
    byte[] inboundMessages(Object... phoneAndEpochSecond) {
        ObjectNode value = envelope();
        ArrayNode messages = value.putArray("messages");
        for (int i = 0; i < phoneAndEpochSecond.length; i += 2) {
            messages.addObject().put("from", (String) phoneAndEpochSecond[i]).put("id", "wamid.in." + UUID.randomUUID())
                    .put("timestamp", Long.toString((Long) phoneAndEpochSecond[i + 1])).put("type", "text")
                    .putObject("text").put("body", "hello");
        }
        return wrap(value);
    }

    /** A webhook body with one status for a sent message. */
    byte[] statusUpdate(String wamid, String notificationId, String status, Integer errorCode) {
        ObjectNode value = envelope();
        ObjectNode s = value.putArray("statuses").addObject().put("id", wamid).put("status", status)
                .put("timestamp", Long.toString(Instant.now().getEpochSecond())).put("recipient_id", "14155550100")
                .put("biz_opaque_callback_data", notificationId);
        if (errorCode != null) {
            s.putArray("errors").addObject().put("code", errorCode).put("title", "Re-engagement message")
                    .putObject("error_data").put("details", "more than 24 hours have passed");
        }
        return wrap(value);
    }

    private ObjectNode envelope() {
        ObjectNode value = json.createObjectNode().put("messaging_product", "whatsapp");
        value.putObject("metadata").put("display_phone_number", "15550000000").put("phone_number_id", "123");
        return value;
    }

    private byte[] wrap(ObjectNode value) {
        ObjectNode root = json.createObjectNode().put("object", "whatsapp_business_account");
        ObjectNode change = root.putArray("entry").addObject().put("id", "waba").putArray("changes").addObject();
        change.put("field", "messages");
        change.set("value", value);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** POSTs a webhook body signed with the configured app secret. */
    HttpResponse<String> postSignedWebhook(byte[] body) throws Exception {
        return postWebhook(body, WebhookSignature.sign(APP_SECRET, body));
    }

    /**
     * POSTs a webhook body and, once it is answered 200 (stored in the inbox), applies the inbox, so that the test sees
     * its effect as soon as this returns.
     */
    HttpResponse<String> postWebhook(byte[] body, String signature) throws Exception {
        HttpResponse<String> answer = postWebhookOnly(body, signature);
        if (answer.statusCode() == 200) {
            applyWebhookInbox();
        }
        return answer;
    }

    /** Applies every webhook stored in the inbox now (waiting for a run under way); returns how many. */
    int applyWebhookInbox() throws SQLException {
        return context.getRegistry().lookupByNameAndType("webhookInbox", WebhookInbox.class).applyPending();
    }

    /** POSTs a webhook body; the answer comes once it is stored, and it is applied later. */
    HttpResponse<String> postWebhookOnly(byte[] body, String signature) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + "/webhooks/whatsapp"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            request.header("X-Hub-Signature-256", signature);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The UTF-8 bytes of {@code text} with its first "//" written as 0xC0 0xAF, the overlong form of one '/': a lenient
     * decoder reads it as a slash, a strict one refuses it at that byte.
     */
    static byte[] withOverlongSlash(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int at = overlongSlashAt(text);
        bytes[at] = (byte) 0xC0;
        bytes[at + 1] = (byte) 0xAF;
        return bytes;
    }

    /** The byte offset (from 0) of the overlong sequence {@link #withOverlongSlash} writes. */
    static int overlongSlashAt(String text) {
        return text.substring(0, text.indexOf("//")).getBytes(StandardCharsets.UTF_8).length;
    }

    /** POSTs JSON with a bearer token (null = none). */
    HttpResponse<String> postJson(String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GETs with a bearer token (null = none). */
    HttpResponse<String> get(String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** When the stand-in received each send of this notification id, in arrival order. */
    List<Instant> sendTimesOf(String id) {
        return provider.findAll(postRequestedFor(urlPathMatching("/v22.0/.*/messages"))).stream()
                .filter(r -> r.getBodyAsString().contains("\"biz_opaque_callback_data\":\"" + id + "\""))
                .map(r -> r.getLoggedDate().toInstant()).sorted().toList();
    }

    /** GETs as the operator (the admin token), who sees everything, phone numbers in full. */
    HttpResponse<String> get(String pathAndQuery) throws Exception {
        return get(pathAndQuery, ADMIN_TOKEN);
    }

    String base() {
        return "http://localhost:" + serverPort;
    }

    /** GETs a path of the management port: /observe/health..., /observe/metrics. */
    HttpResponse<String> getManagement(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                + context.resolvePropertyPlaceholders("{{camel.management.port}}") + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The value of the series {@code name} on /observe/metrics, as Prometheus scrapes it, whose labels contain
     * {@code label} (e.g. {@code status="HELD"}; null: any series of the name); null when there is none.
     */
    Double metric(String name, String label) throws Exception {
        HttpResponse<String> metrics = getManagement("/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{([^}]*)\\})? (\\S+)$").matcher(metrics.body());
        while (m.find()) {
            if (label == null || (m.group(1) != null && m.group(1).contains(label))) {
                return Double.valueOf(m.group(2));
            }
        }
        return null;
    }

    static long minutesAgo(long minutes) {
        return Instant.now().minusSeconds(minutes * 60).getEpochSecond();
    }
}
