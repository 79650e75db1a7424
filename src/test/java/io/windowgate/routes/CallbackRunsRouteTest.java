package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * One event per POST: a sender takes a run of a receiver's events and POSTs them one after another, and a run stops
 * at the first event the receiver refuses; the rest of it waits as long as that one, without an attempt.
 */
class CallbackRunsRouteTest extends CallbackReceiverSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int NOTIFICATIONS = 5;

    @Override
    Properties extraProperties() {
        startReceiver();
        // a receiver that is down and asks for an hour; the sentinel path of the same host answers
        receiver.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(503)
                .withHeader("Retry-After", "3600")));
        receiver.stubFor(post(urlPathEqualTo("/sentinel")).willReturn(aResponse().withStatus(200)));
        Properties p = new Properties();
        p.setProperty("callbacks.url", receiver.baseUrl() + "/events");
        // one attempt at a time to the host: the sentinel's event is sent after the run, by the same sender
        p.setProperty("callbacks.per-host-concurrency", "1");
        p.setProperty("callbacks.retry.max-delay", "PT2H");
        return p;
    }

    private List<JsonNode> pendingQueuedEvents() throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (JsonNode item : json.readTree(get("/api/callbacks?status=PENDING").body()).path("items")) {
            boolean ofTheRun = item.path("notificationId").asText().startsWith("run-");
            if (ofTheRun && "QUEUED".equals(item.path("status").asText())) {
                events.add(item);
            }
        }
        return events;
    }

    @Test
    void aRunStopsAtTheFirstRefusalAndTheRestWaitWithoutAnAttempt() throws Exception {
        // the events gather while delivery is stopped, so that one claim takes them all: one run to /events, then
        // the sentinel's event, queued behind it for the host's one sender
        context.getRouteController().stopRoute("callback-delivery");
        for (int i = 0; i < NOTIFICATIONS; i++) {
            postJson("/api/notifications", ADMIN_TOKEN, "{\"id\":\"run-" + i + "\",\"to\":\"+1415555013" + i
                    + "\",\"template\":{\"name\":\"hello\",\"language\":\"en_US\"}}");
        }
        postJson("/api/notifications", ADMIN_TOKEN, "{\"id\":\"sentinel\",\"to\":\"+14155550139\",\"template\":{"
                + "\"name\":\"hello\",\"language\":\"en_US\"},\"callbackUrl\":\"" + receiver.baseUrl()
                + "/sentinel\"}");
        await().atMost(WAIT).until(() -> statusOf("sentinel") == Status.SENT);
        for (int i = 0; i < NOTIFICATIONS; i++) {
            assertThat(statusOf("run-" + i)).isEqualTo(Status.SENT);
        }
        context.getRouteController().startRoute("callback-delivery");

        await().atMost(WAIT).until(() -> requestsAt("/sentinel") >= 1);
        assertThat(requestsAt("/events")).as("one request for the run: it stopped at the refusal").isEqualTo(1);
        List<JsonNode> waiting = pendingQueuedEvents();
        assertThat(waiting).hasSize(NOTIFICATIONS);
        assertThat(waiting).filteredOn(e -> e.path("attempts").asInt() == 1).singleElement()
                .satisfies(e -> assertThat(e.path("lastError").asText()).contains("503"));
        assertThat(waiting).filteredOn(e -> e.path("attempts").asInt() == 0).hasSize(NOTIFICATIONS - 1)
                .allSatisfy(e -> assertThat(e.path("lastError").isNull() || e.path("lastError").isMissingNode()
                        || e.path("lastError").asText().isEmpty()).isTrue());
    }
}
