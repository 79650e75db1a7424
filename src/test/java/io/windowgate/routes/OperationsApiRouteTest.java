package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/** Dead letters you can act on: list FAILED notifications page by page, and send chosen or filtered ones again. */
class OperationsApiRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private StubMapping refuse(String phone, int code) {
        return provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).atPriority(1)
                .withRequestBody(containing("\"to\":\"" + phone + "\""))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"(#" + code + ") Message undeliverable\",\"code\":" + code
                                + ",\"error_data\":{\"details\":\"not a WhatsApp user\"}}}")));
    }

    private void dropFourWithThreeFailures() throws Exception {
        StubMapping a = refuse("+14155550101", 131026);
        StubMapping b = refuse("+14155550102", 131026);
        StubMapping c = refuse("+14155550103", 131051);
        drop("d.csv", "id,to,template,language\nd-1,+14155550101,order_shipped,en_US\n"
                + "d-2,+14155550102,order_shipped,en_US\nd-3,+14155550103,order_shipped,en_US\n"
                + "ok,+14155550104,order_shipped,en_US\n");
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/d.csv")));
        // the number can be reached now
        List.of(a, b, c).forEach(provider::removeStub);
    }

    private List<String> ids(JsonNode page) {
        return page.path("items").findValuesAsText("id");
    }

    @Test
    void failedNotificationsAreListedPageByPageWithTheirError() throws Exception {
        dropFourWithThreeFailures();

        JsonNode first = json.readTree(get("/api/notifications?status=FAILED&limit=2", ADMIN_TOKEN).body());
        assertThat(ids(first)).containsExactly("d-1", "d-2");
        assertThat(first.path("items").get(0).path("lastError").path("code").asInt()).isEqualTo(131026);
        assertThat(first.path("next").asText()).isEqualTo("d-2");
        JsonNode second = json.readTree(get("/api/notifications?status=FAILED&limit=2&after=d-2", ADMIN_TOKEN).body());
        assertThat(ids(second)).containsExactly("d-3");
        assertThat(second.path("next").isNull()).isTrue();
        JsonNode byCode = json.readTree(get("/api/notifications?status=FAILED&errorCode=131051", ADMIN_TOKEN).body());
        assertThat(ids(byCode)).containsExactly("d-3");

        assertThat(get("/api/notifications?status=FAILED", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/notifications?status=FAILED", "wrong").statusCode()).isEqualTo(401);
        HttpResponseCheck.badRequest(get("/api/notifications?status=LOST", ADMIN_TOKEN), "unknown status");
        HttpResponseCheck.badRequest(get("/api/notifications?status=FAILED&limit=lots", ADMIN_TOKEN), "'limit'");
    }

    @Test
    void retrySendsChosenFailedNotificationsAgainAndNothingAlreadySent() throws Exception {
        dropFourWithThreeFailures();

        JsonNode answer = json.readTree(postJson("/api/notifications/retry", ADMIN_TOKEN,
                "{\"ids\": [\"d-1\", \"ok\", \"nope\"]}").body());

        assertThat(answer.path("requeued").findValuesAsText("")).isEmpty();
        assertThat(answer.path("requeued").get(0).asText()).isEqualTo("d-1");
        assertThat(answer.path("skipped").findValuesAsText("id")).containsExactly("ok", "nope");
        assertThat(answer.path("skipped").get(0).path("status").asText()).isEqualTo("SENT");
        await().atMost(WAIT).until(() -> statusOf("d-1") == Status.SENT);
        assertThat(sendsOf("d-1")).isEqualTo(2);
        assertThat(sendsOf("ok")).isEqualTo(1);

        JsonNode byFilter = json.readTree(postJson("/api/notifications/retry", ADMIN_TOKEN,
                "{\"status\": \"FAILED\", \"errorCode\": 131026}").body());
        assertThat(byFilter.path("requeued").asInt()).isEqualTo(1);
        await().atMost(WAIT).until(() -> statusOf("d-2") == Status.SENT);
        assertThat(statusOf("d-3")).as("another error code").isEqualTo(Status.FAILED);

        JsonNode one = json.readTree(postJson("/api/notifications/d-3/retry", ADMIN_TOKEN, "").body());
        assertThat(one.path("requeued").get(0).asText()).isEqualTo("d-3");
        await().atMost(WAIT).until(() -> statusOf("d-3") == Status.SENT);

        assertThat(postJson("/api/notifications/retry", null, "{\"ids\": [\"d-1\"]}").statusCode()).isEqualTo(401);
        HttpResponseCheck.badRequest(postJson("/api/notifications/retry", ADMIN_TOKEN, "{\"status\": \"SENT\"}"),
                "only FAILED");
        HttpResponseCheck.badRequest(postJson("/api/notifications/retry", ADMIN_TOKEN, "not json"), "not JSON");
    }

    /** Checks a 400 answer and its JSON error message. */
    private static final class HttpResponseCheck {
        static void badRequest(java.net.http.HttpResponse<String> response, String messagePart) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            assertThat(response.body()).contains("\"error\"").contains(messagePart);
        }
    }
}
