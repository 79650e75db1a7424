package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * Rate limits: whatsapp.max-messages-per-second across all sends, per-recipient pacing (whatsapp.pair.interval and
 * burst), the provider's throughput error 130429 with Retry-After (nobody sends until it passed), and its pair rate
 * error 131056 (only that recipient waits). Notifications arrive by CRM push, so the outbox sends them.
 */
class SendPacingRouteTest extends RouteTestSupport {

    private static final String CRM_TOKEN = "test-crm-token";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration TOLERANCE = Duration.ofMillis(100);

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", CRM_TOKEN);
        p.setProperty("whatsapp.max-messages-per-second", "10");
        p.setProperty("whatsapp.pair.interval", "PT1S");
        p.setProperty("whatsapp.pair.burst", "2");
        return p;
    }

    private void push(List<String> ids, List<String> phones) throws Exception {
        String items = IntStream.range(0, ids.size()).mapToObj(i -> "{\"id\":\"" + ids.get(i) + "\",\"to\":\""
                + phones.get(i) + "\",\"template\":{\"name\":\"order_shipped\",\"language\":\"en_US\"}}")
                .collect(Collectors.joining(",", "[", "]"));
        assertThat(postJson("/api/notifications", CRM_TOKEN, items).statusCode()).isEqualTo(202);
    }

    private static List<String> phones(int n) {
        return IntStream.range(0, n).mapToObj(i -> String.format("+1415555%04d", 100 + i)).toList();
    }

    @Test
    void sendsStayUnderMaxMessagesPerSecond() throws Exception {
        List<String> ids = IntStream.range(0, 30).mapToObj(i -> "rate-" + i).toList();
        push(ids, phones(30));

        await().atMost(WAIT).until(() -> ids.stream().allMatch(id -> sendsOf(id) == 1));
        List<Instant> times = ids.stream().map(id -> sendTimesOf(id).get(0)).sorted().toList();
        // a bucket of 10 tokens refilled at 10/s: 30 sends need at least 2 s after the first
        assertThat(Duration.between(times.get(0), times.get(29))).isGreaterThanOrEqualTo(Duration.ofSeconds(2).minus(TOLERANCE));
        for (int i = 0; i + 15 < times.size(); i++) {
            assertThat(Duration.between(times.get(i), times.get(i + 15)))
                    .as("16 sends never fit in half a second").isGreaterThan(Duration.ofMillis(400));
        }
    }

    @Test
    void oneRecipientIsPacedAfterItsBurstWhileOthersGoAtOnce() throws Exception {
        String alice = "+14155550100";
        push(List.of("a-1", "a-2", "a-3", "a-4", "b-1"), List.of(alice, alice, alice, alice, "+14155550101"));

        List<String> alices = List.of("a-1", "a-2", "a-3", "a-4");
        await().atMost(WAIT).until(() -> alices.stream().allMatch(id -> statusOf(id) == Status.SENT));
        // the four go out in any order (the outbox sends in parallel), but never faster than the pacing allows
        List<Instant> times = alices.stream().map(id -> sendTimesOf(id).get(0)).sorted().toList();
        assertThat(Duration.between(times.get(0), times.get(1))).as("burst of 2").isLessThan(Duration.ofMillis(900));
        assertThat(Duration.between(times.get(0), times.get(2))).isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(TOLERANCE));
        assertThat(Duration.between(times.get(0), times.get(3))).isGreaterThanOrEqualTo(Duration.ofSeconds(2).minus(TOLERANCE));
        assertThat(alices.stream().mapToLong(this::sendsOf).sum()).as("pacing never sends twice").isEqualTo(4);
        assertThat(sendTimesOf("b-1").get(0)).as("another recipient does not wait").isBefore(times.get(2));
    }

    @Test
    void throughputErrorStopsEverySendUntilRetryAfterHasPassed() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).inScenario("429").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"code\":130429,"
                                + "\"error_data\":{\"details\":\"Cloud API message throughput has been reached.\"}}}"))
                .willSetStateTo("ok"));

        push(List.of("t-1"), List.of("+14155550100"));
        await().atMost(WAIT).until(() -> sendsOf("t-1") == 1);
        push(List.of("t-2", "t-3"), List.of("+14155550101", "+14155550102"));

        await().atMost(WAIT).until(() -> List.of("t-1", "t-2", "t-3").stream()
                .allMatch(id -> statusOf(id) == Status.SENT));
        Instant refused = sendTimesOf("t-1").get(0);
        for (String id : List.of("t-2", "t-3")) {
            assertThat(Duration.between(refused, sendTimesOf(id).get(0))).as(id + " waited for Retry-After")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(2).minus(TOLERANCE));
        }
        assertThat(Duration.between(refused, sendTimesOf("t-1").get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(2).minus(TOLERANCE));
        assertThat(stored("t-1").retries()).as("throttling uses up no retry").isZero();
    }

    @Test
    void pairRateErrorDelaysOnlyThatRecipient() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).atPriority(1)
                .withRequestBody(containing("\"to\":\"+14155550100\""))
                .inScenario("pair").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"(#131056) (Business Account, Consumer Account) pair rate "
                                + "limit hit\",\"code\":131056}}"))
                .willSetStateTo("ok"));

        push(List.of("p-1"), List.of("+14155550100"));
        await().atMost(WAIT).until(() -> sendsOf("p-1") == 1);
        push(List.of("p-2", "q-1"), List.of("+14155550100", "+14155550101"));

        await().atMost(WAIT).until(() -> statusOf("p-1") == Status.SENT && statusOf("p-2") == Status.SENT);
        Instant refused = sendTimesOf("p-1").get(0);
        assertThat(Duration.between(refused, sendTimesOf("q-1").get(0))).as("another recipient goes at once")
                .isLessThan(Duration.ofMillis(900));
        assertThat(Duration.between(refused, sendTimesOf("p-1").get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(TOLERANCE));
        assertThat(Duration.between(refused, sendTimesOf("p-2").get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(TOLERANCE));
    }
}
