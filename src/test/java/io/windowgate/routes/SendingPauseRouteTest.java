package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * Account-level errors (190 token expired): all sending pauses, everything stays queued, the node stays ready (it
 * still accepts work) with the pause in its health details and metrics, and sending resumes on an operator's call or
 * when the pause ends.
 */
class SendingPauseRouteTest extends RouteTestSupport {

    private static final String CRM_TOKEN = "test-crm-token";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final List<String> IDS = List.of("n-1", "n-2", "n-3");

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", CRM_TOKEN);
        p.setProperty("whatsapp.pause.duration", "PT1H");
        // one send at a time, so the refused one is the first: sends already in flight when a pause starts complete
        p.setProperty("dispatch.concurrency", "1");
        return p;
    }

    private void pushThree() throws Exception {
        assertThat(postJson("/api/notifications", CRM_TOKEN, """
                [{"id": "n-1", "to": "+14155550100", "template": {"name": "order_shipped", "language": "en_US"}},
                 {"id": "n-2", "to": "+14155550101", "template": {"name": "order_shipped", "language": "en_US"}},
                 {"id": "n-3", "to": "+14155550102", "template": {"name": "order_shipped", "language": "en_US"}}]
                """).statusCode()).isEqualTo(202);
    }

    private long totalSends() {
        return IDS.stream().mapToLong(this::sendsOf).sum();
    }

    /** GET /observe/health{@code path} on the management port ("/ready" for readiness, "?data=true" with details). */
    private HttpResponse<String> health(String path) throws Exception {
        return getManagement("/observe/health" + path);
    }

    private JsonNode sendingCheck(HttpResponse<String> health) throws Exception {
        for (JsonNode check : json.readTree(health.body()).path("checks")) {
            if (check.path("name").asText().equals("sending")) {
                return check;
            }
        }
        throw new AssertionError("no sending check in " + health.body());
    }

    @Test
    void expiredTokenPausesAllSendingUntilAnOperatorResumes() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).inScenario("token").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"Error validating access token: Session has expired\","
                                + "\"type\":\"OAuthException\",\"code\":190,\"fbtrace_id\":\"A1\"}}"))
                .willSetStateTo("renewed"));

        pushThree();

        await().atMost(WAIT).until(() -> totalSends() == 1);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> totalSends() == 1);
        for (String id : IDS) {
            assertThat(statusOf(id)).as(id + " stays queued").isEqualTo(Status.QUEUED);
        }
        JsonNode state = json.readTree(get("/api/sending", ADMIN_TOKEN).body());
        assertThat(state.path("state").asText()).isEqualTo("PAUSED");
        assertThat(state.path("errorCode").asInt()).isEqualTo(190);
        // a paused node still accepts work: it stays ready (in a cluster, a Service would otherwise refuse the webhooks
        // and CRM pushes of every node at once); the pause shows in the details and as a gauge
        HttpResponse<String> health = health("?data=true");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health("/ready").statusCode()).isEqualTo(200);
        JsonNode sending = sendingCheck(health);
        assertThat(sending.path("status").asText()).isEqualTo("UP");
        assertThat(sending.path("data").path("state").asText()).isEqualTo("PAUSED");
        assertThat(sending.path("data").path("paused.error.code").asInt()).isEqualTo(190);
        assertThat(sending.path("message").asText()).contains("sending paused");
        assertThat(metric("windowgate_sending_paused", null)).isEqualTo(1.0);

        HttpResponse<String> resumed = postJson("/api/sending/resume", ADMIN_TOKEN, "");
        assertThat(resumed.statusCode()).isEqualTo(200);
        assertThat(json.readTree(resumed.body()).path("resumed").asBoolean()).isTrue();

        await().atMost(WAIT).until(() -> IDS.stream().allMatch(id -> statusOf(id) == Status.SENT));
        assertThat(totalSends()).as("one refused send, then each once").isEqualTo(4);
        assertThat(json.readTree(get("/api/sending", ADMIN_TOKEN).body()).path("state").asText()).isEqualTo("SENDING");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(sendingCheck(health("?data=true")).path("data").path("state").asText()).isEqualTo("SENDING");
            assertThat(metric("windowgate_sending_paused", null)).isZero();
        });
    }

    @Test
    void aPauseEndsByItselfAndOnlyOperatorsMayPause() throws Exception {
        assertThat(postJson("/api/sending/pause?duration=PT1S", null, "").statusCode()).isEqualTo(401);
        assertThat(postJson("/api/sending/pause?duration=soon", ADMIN_TOKEN, "").statusCode()).isEqualTo(400);
        HttpResponse<String> paused = postJson("/api/sending/pause?duration=PT2S", ADMIN_TOKEN, "");
        assertThat(json.readTree(paused.body()).path("state").asText()).isEqualTo("PAUSED");

        pushThree();

        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(2)).until(() -> totalSends() == 0);
        await().atMost(WAIT).until(() -> IDS.stream().allMatch(id -> statusOf(id) == Status.SENT));
    }
}
