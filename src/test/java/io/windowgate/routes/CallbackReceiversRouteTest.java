package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * Receivers that misbehave (never answering, redirecting, answering 10 MB, answering 429 with Retry-After): each event
 * is retried or bounded by callbacks.timeout, and sending to WhatsApp goes on meanwhile.
 */
class CallbackReceiversRouteTest extends CallbackReceiverSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Override
    Properties extraProperties() {
        startReceiver();
        Properties p = new Properties();
        p.setProperty("callbacks.timeout", "PT1S");
        p.setProperty("callbacks.retry.initial-delay", "PT0.2S");
        // above the 429's Retry-After of one second, which is honoured up to this
        p.setProperty("callbacks.retry.max-delay", "PT2S");
        return p;
    }

    private String notification(String id, String path) {
        return "{\"id\":\"" + id + "\",\"to\":\"+1415555017" + id.length() + "\",\"template\":{\"name\":\"hello\","
                + "\"language\":\"en_US\"}" + (path == null ? "" : ",\"callbackUrl\":\"" + receiver.baseUrl() + path
                + "\"") + "}";
    }

    private JsonNode pending(String notificationId) throws Exception {
        for (JsonNode item : json.readTree(get("/api/callbacks?status=PENDING").body()).path("items")) {
            if (notificationId.equals(item.path("notificationId").asText())) {
                return item;
            }
        }
        return null;
    }

    @Test
    void misbehavingReceiversAreRetriedOrBoundedWhileSendingGoesOn() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(5000)));
        receiver.stubFor(post(urlPathEqualTo("/redirect")).willReturn(aResponse().withStatus(301)
                .withHeader("Location", receiver.baseUrl() + "/elsewhere")));
        receiver.stubFor(post(urlPathEqualTo("/big")).willReturn(aResponse().withStatus(200)
                .withBody(new byte[10 * 1024 * 1024])));
        receiver.stubFor(post(urlPathEqualTo("/busy")).inScenario("busy").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("ok"));
        receiver.stubFor(post(urlPathEqualTo("/busy")).inScenario("busy").whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(200)));
        receiver.stubFor(post(urlPathEqualTo("/elsewhere")).willReturn(aResponse().withStatus(200)));

        String[][] cases = {{"slow", "/slow"}, {"redirect", "/redirect"}, {"big", "/big"}, {"busy", "/busy"}};
        for (String[] c : cases) {
            assertThat(postJson("/api/notifications", ADMIN_TOKEN, notification(c[0], c[1])).statusCode())
                    .isEqualTo(202);
        }
        for (int i = 0; i < 10; i++) {
            postJson("/api/notifications", ADMIN_TOKEN, notification("plain-" + i, null));
        }
        // sending is not held up by the receivers: everything goes to WhatsApp while they misbehave
        await().atMost(WAIT).until(() -> {
            for (String[] c : cases) {
                if (statusOf(c[0]) != Status.SENT) {
                    return false;
                }
            }
            for (int i = 0; i < 10; i++) {
                if (statusOf("plain-" + i) != Status.SENT) {
                    return false;
                }
            }
            return true;
        });

        // 10 MB answered 200: taken, the body discarded; 429: waits its Retry-After, then taken
        await().atMost(WAIT).until(() -> pending("big") == null && pending("busy") == null);
        assertThat(requestsAt("/busy")).isGreaterThanOrEqualTo(2);
        var firstBusy = receiver.findAll(postRequestedFor(urlPathEqualTo("/busy")));
        assertThat(Duration.between(firstBusy.get(0).getLoggedDate().toInstant(),
                firstBusy.get(1).getLoggedDate().toInstant())).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        // a redirect is not followed but retried; a receiver that never answers is cut off by callbacks.timeout
        await().atMost(WAIT).until(() -> requestsAt("/redirect") >= 3 && requestsAt("/slow") >= 2);
        assertThat(requestsAt("/elsewhere")).isZero();
        assertThat(pending("redirect").path("lastError").asText()).contains("HTTP 301");
        assertThat(pending("slow").path("lastError").asText()).contains("no answer within callbacks.timeout");
    }
}
