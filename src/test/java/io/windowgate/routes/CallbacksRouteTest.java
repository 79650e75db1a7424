package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Callbacks end to end over real HTTP: CRM push → the Cloud API stand-in → status webhook → signed events at a WireMock
 * receiver (which answers 500 first), a notification's own callbackUrl, 410, FAILED after callbacks.max-age and the
 * retry API, cancel, customers' messages and window events.
 */
class CallbacksRouteTest extends RouteTestSupport {

    static final String SECRET = "test-callback-secret";
    private static final String CRM_TOKEN = "test-crm-token";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private WireMockServer receiver;

    @Override
    Properties extraProperties() {
        receiver = new WireMockServer(options().dynamicPort());
        receiver.start();
        receiver.stubFor(post(urlPathEqualTo("/events")).atPriority(10).willReturn(aResponse().withStatus(204)));
        receiver.stubFor(post(urlPathEqualTo("/inbound")).willReturn(aResponse().withStatus(200)));
        Properties p = new Properties();
        p.setProperty("callbacks.url", receiver.baseUrl() + "/events");
        p.setProperty("callbacks.inbound-url", receiver.baseUrl() + "/inbound");
        p.setProperty("callbacks.secret", SECRET);
        p.setProperty("callbacks.retry.initial-delay", "PT0.1S");
        p.setProperty("callbacks.retry.max-delay", "PT0.3S");
        p.setProperty("callbacks.max-age", "PT3S");
        p.setProperty("crm.api-token", CRM_TOKEN);
        return p;
    }

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.stop();
        }
    }

    /** The events received on a path, oldest first, each checked as a receiver checks it (docs/callbacks.md). */
    private List<JsonNode> received(String path) {
        return receiver.findAll(postRequestedFor(urlPathEqualTo(path))).stream().map(r -> {
            assertThat(signatureValid(r)).as("signature of %s", r.getBodyAsString()).isTrue();
            try {
                return json.readTree(r.getBody());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    /** The receiver's check, written from the docs: HMAC-SHA256 of "t.body" with the secret, t within 5 minutes. */
    static boolean signatureValid(LoggedRequest request) {
        String header = request.getHeader("X-Windowgate-Signature");
        if (header == null) {
            return false;
        }
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv[0].equals("t")) {
                t = kv[1];
            } else if (kv[0].equals("v1")) {
                v1 = kv[1];
            }
        }
        try {
            if (t == null || v1 == null || Math.abs(Instant.now().getEpochSecond() - Long.parseLong(t)) > 300) {
                return false;
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(request.getBody());
            return MessageDigest.isEqual(HexFormat.of().formatHex(expected).getBytes(StandardCharsets.UTF_8),
                    v1.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<JsonNode> statusEvents(String path, String id) {
        return received(path).stream().filter(e -> id.equals(e.path("notificationId").asText())).toList();
    }

    private static List<String> statuses(List<JsonNode> events) {
        return events.stream().map(e -> e.path("status").asText()).toList();
    }

    private String templateNotification(String id, String extra) {
        return "{\"id\":\"" + id + "\",\"to\":\"+14155550180\",\"template\":{\"name\":\"order_shipped\","
                + "\"language\":\"en_US\",\"params\":[\"1\"]}" + extra + "}";
    }

    @Test
    void everyStatusReachesTheReceiverSignedAndInOrderAfterItsFirstAttemptsFail() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/events")).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("second"));
        receiver.stubFor(post(urlPathEqualTo("/events")).inScenario("flaky").whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "0")).willSetStateTo("fine"));

        assertThat(postJson("/api/notifications", CRM_TOKEN, templateNotification("cb-1", "")).statusCode())
                .isEqualTo(202);
        await().atMost(WAIT).until(() -> statusOf("cb-1") == Status.SENT);
        String wamid = stored("cb-1").wamid();
        postSignedWebhook(statusUpdate(wamid, "cb-1", "delivered", null));
        postSignedWebhook(statusUpdate(wamid, "cb-1", "read", null));

        await().atMost(WAIT).until(() -> statuses(statusEvents("/events", "cb-1")).contains("READ"));
        List<JsonNode> events = statusEvents("/events", "cb-1");
        List<JsonNode> delivered = events.subList(2, events.size());
        assertThat(statuses(delivered)).containsExactly("QUEUED", "SENT", "DELIVERED", "READ");
        assertThat(events.get(0).path("eventId")).as("the failed attempts were the first event, sent again")
                .isEqualTo(events.get(2).path("eventId")).isEqualTo(events.get(1).path("eventId"));
        assertThat(delivered.get(2).path("previousStatus").asText()).isEqualTo("SENT");
        JsonNode sent = events.get(3);
        assertThat(sent.path("type").asText()).isEqualTo("notification.status");
        assertThat(sent.path("wamid").asText()).isEqualTo(wamid);
        assertThat(sent.path("route").asText()).isEqualTo("template");
        assertThat(sent.path("source").asText()).isEqualTo("crm");
        assertThat(sent.path("error").isNull()).isTrue();
        assertThat(Instant.parse(sent.path("at").asText())).isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void aNotificationsOwnCallbackUrlGetsItsEventsAndABadOneIsRejectedWithTheReason() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/own")).willReturn(aResponse().withStatus(200)));
        String own = receiver.baseUrl() + "/own";
        var answer = postJson("/api/notifications", CRM_TOKEN, "[" + templateNotification("own-1",
                ",\"callbackUrl\":\"" + own + "\"") + "," + templateNotification("bad-1",
                ",\"callbackUrl\":\"ftp://crm.example/x\"") + "," + templateNotification("bad-2",
                ",\"callbackUrl\":\"https://user:pw@crm.example/x\"") + "," + templateNotification("bad-3",
                ",\"callbackUrl\":\"https://crm.example/" + "x".repeat(2100) + "\"") + "]");

        JsonNode rejected = json.readTree(answer.body()).path("rejected");
        assertThat(rejected).hasSize(3);
        assertThat(rejected.get(0).path("reason").asText()).contains("not an http or https URL");
        assertThat(rejected.get(1).path("reason").asText()).contains("user name or password");
        assertThat(rejected.get(2).path("reason").asText()).contains("at most 2048");
        await().atMost(WAIT).until(() -> statuses(statusEvents("/own", "own-1")).contains("SENT"));
        assertThat(statusEvents("/events", "own-1")).isEmpty();
        await().atMost(WAIT).until(() -> statusEvents("/events", "bad-1").size() == 1);
        JsonNode refusal = statusEvents("/events", "bad-1").get(0);
        assertThat(refusal.path("status").asText()).isEqualTo("REJECTED");
        assertThat(refusal.path("error").path("details").asText()).contains("not an http or https URL");
    }

    @Test
    void aDroppedFilesRowsReportHeldSentAndRejectedEachToItsReceiver() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/csv")).willReturn(aResponse().withStatus(200)));
        drop("cb.csv", "id,to,text,template,language,callback_url\n"
                + "csv-held,+14155550183,only text,,,\n"
                + "csv-sent,+14155550184,,order_shipped,en_US," + receiver.baseUrl() + "/csv\n"
                + "csv-bad,not a number,x,,,\n");

        await().atMost(WAIT).until(() -> statuses(statusEvents("/events", "csv-held")).contains("HELD")
                && statuses(statusEvents("/csv", "csv-sent")).contains("SENT")
                && !statusEvents("/events", "csv-bad").isEmpty());
        assertThat(statuses(statusEvents("/events", "csv-held"))).containsExactly("QUEUED", "HELD");
        assertThat(statusEvents("/events", "csv-held").get(1).path("error").path("details").asText())
                .contains("held until the customer writes in");
        assertThat(statuses(statusEvents("/csv", "csv-sent"))).containsExactly("QUEUED", "SENT");
        assertThat(statusEvents("/events", "csv-sent")).isEmpty();
        JsonNode bad = statusEvents("/events", "csv-bad").get(0);
        assertThat(bad.path("status").asText()).isEqualTo("REJECTED");
        assertThat(bad.path("source").asText()).isEqualTo("csv");
    }

    @Test
    void gone410StopsThatReceiversEventsForTheNotification() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
        postJson("/api/notifications", CRM_TOKEN, templateNotification("gone-1",
                ",\"callbackUrl\":\"" + receiver.baseUrl() + "/gone\""));
        await().atMost(WAIT).until(() -> statusOf("gone-1") == Status.SENT);
        await().atMost(WAIT).until(() -> !receiver.findAll(postRequestedFor(urlPathEqualTo("/gone"))).isEmpty());
        postSignedWebhook(statusUpdate(stored("gone-1").wamid(), "gone-1", "delivered", null));
        // a later notification's event to the same receiver shows the delivery has moved past gone-1's
        postJson("/api/notifications", CRM_TOKEN, templateNotification("after-1", ""));
        await().atMost(WAIT).until(() -> statuses(statusEvents("/events", "after-1")).contains("SENT"));

        assertThat(receiver.findAll(postRequestedFor(urlPathEqualTo("/gone")))).hasSize(1);
        var gone = get("/api/callbacks?status=GONE");
        assertThat(json.readTree(gone.body()).path("items").findValuesAsText("notificationId"))
                .contains("gone-1").doesNotContain("after-1");
    }

    @Test
    void anEventNobodyTakesIsFailedAfterMaxAgeListedAndSentAgainOnRequest() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/down")).inScenario("down").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)));
        receiver.stubFor(post(urlPathEqualTo("/down")).inScenario("down").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200)));
        postJson("/api/notifications", CRM_TOKEN, "{\"id\":\"late-1\",\"to\":\"+14155550181\",\"text\":\"x\","
                + "\"sendAt\":\"2099-01-01T00:00:00Z\",\"callbackUrl\":\"" + receiver.baseUrl() + "/down\"}");

        await().atMost(WAIT).until(() -> json.readTree(get("/api/callbacks?status=FAILED").body()).path("items")
                .findValuesAsText("notificationId").contains("late-1"));
        JsonNode failed = json.readTree(get("/api/callbacks?status=FAILED").body()).path("items").get(0);
        assertThat(failed.path("lastError").asText()).contains("HTTP 500").contains("callbacks.max-age");
        assertThat(failed.path("attempts").asInt()).isGreaterThan(1);
        assertThat(get("/api/callbacks?status=FAILED", CRM_TOKEN).statusCode()).isEqualTo(403);

        receiver.setScenarioState("down", "up");
        var retry = postJson("/api/callbacks/retry", ADMIN_TOKEN, "{\"status\":\"FAILED\"}");
        assertThat(json.readTree(retry.body()).path("requeued").asInt()).isEqualTo(1);
        await().atMost(WAIT).until(() -> json.readTree(get("/api/callbacks?status=SENT").body()).path("items")
                .findValuesAsText("eventId").contains(failed.path("eventId").asText()));
        assertThat(postJson("/api/callbacks/retry", ADMIN_TOKEN, "{}").statusCode()).isEqualTo(400);
    }

    @Test
    void aCancelledNotificationIsNeverSentAndTooLateAnswers409() throws Exception {
        postJson("/api/notifications", CRM_TOKEN, "{\"id\":\"later-1\",\"to\":\"+14155550182\",\"text\":\"x\","
                + "\"sendAt\":\"2099-01-01T00:00:00Z\"}");
        var cancelled = postJson("/api/notifications/later-1/cancel", CRM_TOKEN, "");
        assertThat(cancelled.statusCode()).isEqualTo(200);
        assertThat(json.readTree(cancelled.body()).path("status").asText()).isEqualTo("CANCELLED");

        var again = postJson("/api/notifications/later-1/cancel", CRM_TOKEN, "");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json.readTree(again.body()).path("status").asText()).isEqualTo("CANCELLED");
        assertThat(postJson("/api/notifications/nope/cancel", ADMIN_TOKEN, "").statusCode()).isEqualTo(404);
        assertThat(postJson("/api/notifications/later-1/cancel", null, "").statusCode()).isEqualTo(401);

        postJson("/api/notifications", CRM_TOKEN, templateNotification("sent-1", ""));
        await().atMost(WAIT).until(() -> statusOf("sent-1") == Status.SENT);
        var tooLate = postJson("/api/notifications/sent-1/cancel", CRM_TOKEN, "");
        assertThat(tooLate.statusCode()).isEqualTo(409);
        assertThat(json.readTree(tooLate.body()).path("status").asText()).isEqualTo("SENT");

        await().atMost(WAIT).until(() -> statuses(statusEvents("/events", "later-1"))
                .equals(List.of("SCHEDULED", "CANCELLED")));
        assertThat(sendsOf("later-1")).isZero();
    }

    @Test
    void customersMessagesAreForwardedAndTheirWindowsAnnounced() throws Exception {
        long now = Instant.now().getEpochSecond();
        ObjectNode root = (ObjectNode) json.readTree(inboundMessages("14155550190", now, "14155550191", now,
                "14155550192", now));
        var messages = (com.fasterxml.jackson.databind.node.ArrayNode) root.path("entry").get(0).path("changes").get(0)
                .path("value").path("messages");
        ObjectNode button = (ObjectNode) messages.get(1);
        button.put("type", "button").remove("text");
        button.putObject("button").put("payload", "YES_CONFIRM").put("text", "Yes");
        ObjectNode image = (ObjectNode) messages.get(2);
        image.put("type", "image").remove("text");
        image.putObject("image").put("id", "media-77").put("mime_type", "image/jpeg").put("caption", "the receipt");
        byte[] body = root.toString().getBytes(StandardCharsets.UTF_8);
        assertThat(postSignedWebhook(body).statusCode()).isEqualTo(200);
        assertThat(postSignedWebhook(body).statusCode()).as("WhatsApp delivers it again").isEqualTo(200);

        await().atMost(WAIT).until(() -> received("/inbound").size() >= 3
                && received("/events").stream().filter(e -> e.path("type").asText().equals("window.opened")).count() >= 3);
        List<JsonNode> inbound = received("/inbound");
        assertThat(inbound).hasSize(3);
        assertThat(inbound).extracting(e -> e.path("type").asText()).containsOnly("message.inbound");
        JsonNode text = inbound.stream().filter(e -> e.path("from").asText().equals("+14155550190")).findFirst()
                .orElseThrow();
        assertThat(text.path("text").asText()).isEqualTo("hello");
        assertThat(text.path("businessNumber").asText()).isEqualTo("default");
        assertThat(text.path("wamid").asText()).startsWith("wamid.in.");
        JsonNode reply = inbound.stream().filter(e -> e.path("from").asText().equals("+14155550191")).findFirst()
                .orElseThrow();
        assertThat(reply.path("payload").asText()).isEqualTo("YES_CONFIRM");
        JsonNode media = inbound.stream().filter(e -> e.path("from").asText().equals("+14155550192")).findFirst()
                .orElseThrow();
        assertThat(media.path("media").path("id").asText()).isEqualTo("media-77");
        assertThat(media.path("media").path("mimeType").asText()).isEqualTo("image/jpeg");

        JsonNode opened = received("/events").stream().filter(e -> e.path("type").asText().equals("window.opened")
                && e.path("to").asText().equals("+14155550190")).findFirst().orElseThrow();
        assertThat(Instant.parse(opened.path("closesAt").asText()))
                .isEqualTo(Instant.ofEpochSecond(now).plus(Duration.ofHours(24)).minus(Duration.ofMinutes(5)));
        assertThat(received("/events").stream().filter(e -> e.path("type").asText().equals("window.opened")))
                .hasSize(3);
    }

    @Test
    void aMessageFromACustomerKnownOnlyByTheirUserIdIsForwardedAtOnceWithoutAWindowEvent() throws Exception {
        long now = Instant.now().getEpochSecond();
        ObjectNode root = (ObjectNode) json.readTree(inboundMessages("14155550194", now));
        ObjectNode message = (ObjectNode) root.path("entry").get(0).path("changes").get(0).path("value")
                .path("messages").get(0);
        message.remove("from");
        message.put("from_user_id", "US.8812000000000000001");
        assertThat(postSignedWebhook(root.toString().getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);

        await().atMost(WAIT).until(() -> received("/inbound").stream()
                .anyMatch(e -> e.path("userId").asText().equals("US.8812000000000000001")));
        JsonNode inbound = received("/inbound").stream()
                .filter(e -> e.path("userId").asText().equals("US.8812000000000000001")).findFirst().orElseThrow();
        assertThat(inbound.path("from").isNull()).as("no number is known for this customer yet").isTrue();
        assertThat(inbound.path("text").asText()).isEqualTo("hello");
        assertThat(received("/events")).noneMatch(e -> e.path("type").asText().startsWith("window."));
    }

    @Test
    void theSweepAnnouncesAWindowClosingAndThenClosed() throws Exception {
        // the customer wrote just under window.hours (less the safety margin) ago: the window closes in 8 seconds,
        // time enough for the first sweep to find it still open on a busy machine
        long at = Instant.now().plus(Duration.ofMinutes(5)).minus(Duration.ofHours(24)).plusSeconds(8).getEpochSecond();
        postSignedWebhook(inboundMessages("14155550193", at));
        runScheduledRoute("session-window-expiry");
        await().atMost(WAIT).until(() -> windowEvents("+14155550193").contains("window.closing"));
        await().pollInterval(Duration.ofMillis(500)).atMost(WAIT).until(() -> {
            runScheduledRoute("session-window-expiry");
            return windowEvents("+14155550193").contains("window.closed");
        });
        assertThat(windowEvents("+14155550193")).containsExactly("window.opened", "window.closing", "window.closed");
    }

    @Test
    void aWindowTheProviderClosesEarlyIsAnnouncedClosedOnceAndOpensAgainOnTheNextMessage() throws Exception {
        long now = Instant.now().getEpochSecond();
        postSignedWebhook(inboundMessages("14155550194", now, "14155550195", now));
        await().atMost(WAIT).until(() -> windowEvents("+14155550194").contains("window.opened")
                && windowEvents("+14155550195").contains("window.opened"));
        // our records say both windows are open; WhatsApp refuses the first text in its answer, the second later in a
        // failed status webhook
        StubMapping refusal = provider.stubFor(post(urlPathEqualTo(SESSION_PATH))
                .withRequestBody(containing("14155550194")).willReturn(aResponse().withStatus(400)
                        .withHeader("Content-Type", "application/json").withBody(WhatsappSendRouteTest.ERROR_131047)));
        postJson("/api/notifications", CRM_TOKEN, "[{\"id\":\"early-1\",\"to\":\"+14155550194\",\"text\":\"hi\"},"
                + "{\"id\":\"early-2\",\"to\":\"+14155550195\",\"text\":\"hi\"}]");
        await().atMost(WAIT).until(() -> statusOf("early-1") == Status.HELD && statusOf("early-2") == Status.SENT);
        postSignedWebhook(statusUpdate(stored("early-2").wamid(), "early-2", "failed", 131047));
        await().atMost(WAIT).until(() -> statusOf("early-2") == Status.HELD);

        await().atMost(WAIT).until(() -> windowEvents("+14155550194").contains("window.closed")
                && windowEvents("+14155550195").contains("window.closed"));
        JsonNode closed = received("/events").stream().filter(e -> e.path("type").asText().equals("window.closed")
                && e.path("to").asText().equals("+14155550194")).findFirst().orElseThrow();
        assertThat(Instant.parse(closed.path("closesAt").asText())).as("closed when WhatsApp said so, not in 24 h")
                .isBefore(Instant.now().plusSeconds(1));
        runScheduledRoute("session-window-expiry");
        // the customer writes again, and WhatsApp takes the held text now: otherwise its release is refused once more
        // and closes the new window too, a fourth event that may arrive before the count of three is seen
        provider.removeStub(refusal);
        postSignedWebhook(inboundMessages("14155550194", now + 1));
        await().atMost(WAIT).until(() -> windowEvents("+14155550194").size() == 3);
        assertThat(windowEvents("+14155550194")).as("announced once, by the refusal; the next message opens it again")
                .containsExactly("window.opened", "window.closed", "window.opened");
        assertThat(windowEvents("+14155550195")).containsExactly("window.opened", "window.closed");
    }

    private List<String> windowEvents(String to) {
        return received("/events").stream().filter(e -> to.equals(e.path("to").asText()))
                .map(e -> e.path("type").asText()).toList();
    }
}
