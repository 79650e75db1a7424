package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;

/**
 * callbacks.batch-size above 1: each POST is a signed JSON array of events to one receiver, at most one per
 * notification, so each notification's events still arrive in order; a batch the receiver refuses is sent again with
 * the same eventIds.
 */
class CallbackBatchesRouteTest extends CallbackReceiverSupport {

    private static final int BATCH = 10;
    private static final int NOTIFICATIONS = 30;

    @Override
    Properties extraProperties() {
        startReceiver();
        // a receiver that takes a while, one request at a time: events gather meanwhile and go in batches
        receiver.stubFor(post(urlPathEqualTo("/events")).inScenario("first").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("fine"));
        receiver.stubFor(post(urlPathEqualTo("/events")).inScenario("first").whenScenarioStateIs("fine")
                .willReturn(aResponse().withStatus(204).withFixedDelay(150)));
        Properties p = new Properties();
        p.setProperty("callbacks.url", receiver.baseUrl() + "/events");
        p.setProperty("callbacks.secret", CallbacksRouteTest.SECRET);
        p.setProperty("callbacks.batch-size", Integer.toString(BATCH));
        p.setProperty("callbacks.per-host-concurrency", "1");
        p.setProperty("callbacks.retry.initial-delay", "PT0.1S");
        p.setProperty("callbacks.retry.max-delay", "PT0.3S");
        return p;
    }

    private List<LoggedRequest> requests() {
        return receiver.findAll(postRequestedFor(urlPathEqualTo("/events")));
    }

    private JsonNode body(LoggedRequest request) {
        try {
            return json.readTree(request.getBody());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each notification's statuses in the order the receiver first took them, repeats (same eventId) dropped. */
    private Map<String, List<String>> statusesTaken() {
        Set<String> seen = new HashSet<>();
        Map<String, List<String>> statuses = new LinkedHashMap<>();
        for (LoggedRequest request : requests()) {
            for (JsonNode event : body(request)) {
                if (seen.add(event.path("eventId").asText())) {
                    statuses.computeIfAbsent(event.path("notificationId").asText(), k -> new ArrayList<>())
                            .add(event.path("status").asText());
                }
            }
        }
        return statuses;
    }

    @Test
    void eventsGoAsSignedArraysAtMostOnePerNotificationInOrderAndARefusedBatchIsSentAgainWhole() throws Exception {
        for (int i = 0; i < NOTIFICATIONS; i++) {
            assertThat(postJson("/api/notifications", ADMIN_TOKEN, "{\"id\":\"batch-" + i + "\",\"to\":\"+141555502"
                    + String.format("%02d", i) + "\",\"template\":{\"name\":\"order_shipped\",\"language\":\"en_US\","
                    + "\"params\":[\"1\"]}}").statusCode()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Map<String, List<String>> taken = statusesTaken();
            return taken.size() == NOTIFICATIONS && taken.values().stream().allMatch(s -> s.contains("SENT"));
        });

        List<LoggedRequest> requests = requests();
        int events = 0;
        for (LoggedRequest request : requests) {
            assertThat(CallbacksRouteTest.signatureValid(request)).as("signature of %s", request.getBodyAsString())
                    .isTrue();
            JsonNode array = body(request);
            assertThat(array.isArray()).as("body %s", request.getBodyAsString()).isTrue();
            assertThat(array.size()).isBetween(1, BATCH);
            Set<String> notifications = new HashSet<>();
            for (JsonNode event : array) {
                assertThat(notifications.add(event.path("notificationId").asText()))
                        .as("one event per notification in %s", request.getBodyAsString()).isTrue();
            }
            events += array.size();
        }
        assertThat(requests.size()).as("events sent together").isLessThan(events / 2);
        statusesTaken().forEach((id, statuses) -> assertThat(statuses).as(id).containsExactly("QUEUED", "SENT"));

        // the first POST was answered 500: every event of it came again, with the same eventId
        Set<String> again = new HashSet<>();
        for (LoggedRequest request : requests.subList(1, requests.size())) {
            body(request).forEach(event -> again.add(event.path("eventId").asText()));
        }
        body(requests.get(0)).forEach(event -> assertThat(again).contains(event.path("eventId").asText()));
    }
}
