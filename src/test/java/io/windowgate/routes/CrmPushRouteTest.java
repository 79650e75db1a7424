package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/** POST /api/notifications (CRM push) on the real route: authentication, answers per item, limits, async sends. */
class CrmPushRouteTest extends RouteTestSupport {

    private static final String TOKEN = "crm-test-token";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", TOKEN);
        p.setProperty("crm.max-batch", "5");
        p.setProperty("crm.max-body-bytes", "4000");
        return p;
    }

    private HttpResponse<String> push(String body, String authorization, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + "/api/notifications"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> push(String body) throws Exception {
        return push(body, "Bearer " + TOKEN, "application/json");
    }

    @Test
    void eachItemIsAnsweredAndTheAcceptedOnesAreSent() throws Exception {
        windows().recordInbound("+14155550100", Instant.now().minusSeconds(600), "wamid.in.1");
        HttpResponse<String> answer = push("""
                [
                  {"id": "crm-1", "to": "+14155550100", "text": "Your order shipped"},
                  {"id": "crm-2", "to": "+14155550101", "template": {"name": "order_shipped", "language": "en_US",
                   "params": ["123", "Tuesday"]}, "category": "SHIPPING_UPDATE"},
                  {"id": "crm-3", "to": "12", "text": "bad number"},
                  {"to": "+14155550102", "text": "no id"},
                  {"id": "crm-1", "to": "+14155550100", "text": "Your order shipped"}
                ]""");

        assertThat(answer.statusCode()).isEqualTo(202);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(answer.headers().firstValue("Authorization")).isEmpty();
        JsonNode body = json.readTree(answer.body());
        assertThat(body.path("accepted")).extracting(JsonNode::asText).containsExactly("crm-1", "crm-2");
        assertThat(body.path("duplicates")).extracting(JsonNode::asText).containsExactly("crm-1");
        assertThat(body.path("rejected")).hasSize(2);
        assertThat(body.path("rejected").path(0).path("index").asInt()).isEqualTo(2);
        assertThat(body.path("rejected").path(0).path("id").asText()).isEqualTo("crm-3");
        assertThat(body.path("rejected").path(0).path("reason").asText()).contains("'12'");
        assertThat(body.path("rejected").path(1).path("id").isNull()).isTrue();
        assertThat(body.path("rejected").path(1).path("reason").asText()).contains("id is missing");

        await().atMost(WAIT).until(() -> statusOf("crm-1") == Status.SENT && statusOf("crm-2") == Status.SENT);
        assertThat(stored("crm-1").route()).isEqualTo("session");
        assertThat(stored("crm-2").route()).isEqualTo("template");
        assertThat(sendsOf("crm-1")).isEqualTo(1);
        assertThat(statusOf("crm-3")).isNull();
    }

    @Test
    void aSingleObjectIsAcceptedAndAScheduledOneWaits() throws Exception {
        String later = Instant.now().plus(Duration.ofDays(1)).toString();
        HttpResponse<String> answer = push("{\"id\": \"crm-later\", \"to\": \"+14155550100\", \"template\": "
                + "{\"name\": \"reminder\", \"language\": \"en\"}, \"sendAt\": \"" + later + "\"}",
                "bearer " + TOKEN, "application/json; charset=utf-8");

        assertThat(answer.statusCode()).isEqualTo(202);
        assertThat(json.readTree(answer.body()).path("accepted")).extracting(JsonNode::asText)
                .containsExactly("crm-later");
        assertThat(statusOf("crm-later")).isEqualTo(Status.SCHEDULED);
        assertThat(sendsOf("crm-later")).isZero();
    }

    @Test
    void withoutTheRightTokenNothingIsStored() throws Exception {
        String one = "{\"id\": \"sneaky\", \"to\": \"+14155550100\", \"text\": \"hi\"}";

        HttpResponse<String> none = push(one, null, "application/json");
        HttpResponse<String> wrong = push(one, "Bearer not-the-token", "application/json");
        HttpResponse<String> basic = push(one, "Basic " + TOKEN, "application/json");

        for (HttpResponse<String> answer : java.util.List.of(none, wrong, basic)) {
            assertThat(answer.statusCode()).isEqualTo(401);
            assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"windowgate\"");
            assertThat(answer.body()).contains("bearer token").doesNotContain(TOKEN);
        }
        assertThat(statusOf("sneaky")).isNull();
    }

    @Test
    void malformedRequestsGetAnAnswerSayingWhatToFix() throws Exception {
        HttpResponse<String> notJson = push("{\"id\": \"x\", ", "Bearer " + TOKEN, "application/json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json.readTree(notJson.body()).path("error").asText()).startsWith("the body is not valid JSON");

        HttpResponse<String> scalar = push("42");
        assertThat(scalar.statusCode()).isEqualTo(400);
        assertThat(scalar.body()).contains("a notification object or an array");

        HttpResponse<String> form = push("id=x&to=y", "Bearer " + TOKEN, "application/x-www-form-urlencoded");
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(form.body()).contains("send Content-Type: application/json");

        StringBuilder six = new StringBuilder("[");
        for (int i = 0; i < 6; i++) {
            six.append(i == 0 ? "" : ",").append("{\"id\": \"b-").append(i).append("\", \"to\": \"+14155550100\", "
                    + "\"text\": \"hi\"}");
        }
        HttpResponse<String> tooMany = push(six.append("]").toString());
        assertThat(tooMany.statusCode()).isEqualTo(413);
        assertThat(tooMany.body()).contains("6 notifications, more than crm.max-batch (5)");

        HttpResponse<String> tooBig = push("{\"id\": \"big\", \"to\": \"+14155550100\", \"text\": \""
                + "x".repeat(4001) + "\"}");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.body()).contains("crm.max-body-bytes (4000 bytes)");

        HttpResponse<String> badField = push("{\"id\": \"typed\", \"to\": \"+14155550100\", \"text\": [\"hi\"]}");
        assertThat(badField.statusCode()).isEqualTo(202);
        assertThat(json.readTree(badField.body()).path("rejected").path(0).path("reason").asText())
                .contains("text must be a string, not an array");

        assertThat(statusOf("b-0")).isNull();
        assertThat(statusOf("big")).isNull();
        assertThat(statusOf("typed")).isNull();
    }

    @Test
    void aBodyThatIsNotStrictUtf8IsRefusedWithTheByteAtFault() throws Exception {
        String body = "{\"id\": \"overlong\", \"to\": \"+14155550100\", \"text\": \"a//b\"}";
        byte[] overlong = withOverlongSlash(body);
        int at = overlongSlashAt(body);

        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/notifications"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(overlong)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(json.readTree(answer.body()).path("error").asText()).isEqualTo("the body is not UTF-8: byte "
                + (at + 1) + " (0xC0) does not start or continue a valid UTF-8 character (an overlong or cut-off "
                + "sequence, or text saved in another encoding): send the JSON encoded as UTF-8");
        assertThat(statusOf("overlong")).isNull();
    }

    @Test
    void anUnpairedSurrogateEscapeIsRejectedNamingTheFieldAndAnsweredAsSent() throws Exception {
        HttpResponse<String> answer = push("""
                [{"id": "half\\ud800", "to": "+14155550100", "text": "fine"},
                 {"id": "half-text", "to": "+14155550100", "text": "a\\udc00b"}]""");

        assertThat(answer.statusCode()).isEqualTo(202);
        JsonNode rejected = json.readTree(answer.body()).path("rejected");
        assertThat(rejected.path(0).path("id").asText()).isEqualTo("half\uD800");
        assertThat(rejected.path(0).path("reason").asText()).startsWith(
                "id holds an unpaired surrogate (\\uD800) at character 5");
        assertThat(rejected.path(1).path("reason").asText()).startsWith(
                "text holds an unpaired surrogate (\\uDC00) at character 2");
        assertThat(json.readTree(answer.body()).path("accepted")).isEmpty();
        assertThat(statusOf("half\uD800")).isNull();
        assertThat(statusOf("half?")).isNull();
        assertThat(statusOf("half-text")).isNull();
    }

    @Test
    void aBodyWithMoreThanOneJsonValueIsRefusedWhole() throws Exception {
        String one = "{\"id\": \"first\", \"to\": \"+14155550100\", \"text\": \"hi\"}";
        String two = "{\"id\": \"second\", \"to\": \"+14155550101\", \"text\": \"hi\"}";

        for (String body : java.util.List.of(one + two, "[" + one + "]\n[" + two + "]", one + " trailing text")) {
            HttpResponse<String> answer = push(body);
            assertThat(answer.statusCode()).as(body).isEqualTo(400);
            assertThat(json.readTree(answer.body()).path("error").asText()).as(body).startsWith(
                    "the body holds more than one JSON value: send one object or one array");
        }
        assertThat(statusOf("first")).isNull();
        assertThat(statusOf("second")).isNull();
    }

    @Test
    void oneRecipientsNotificationsGoOutInTheOrderTheyCame() throws Exception {
        StringBuilder items = new StringBuilder("[");
        for (int i = 1; i <= 5; i++) { // crm.max-batch is 5 in this class
            items.append(i > 1 ? "," : "").append("{\"id\": \"o-").append(i).append("\", \"to\": \"+14155550100\", ")
                    .append("\"template\": {\"name\": \"order_update\", \"language\": \"en_US\"}}");
        }
        assertThat(push(items.append("]").toString()).statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(15)).until(() -> sentTo(TEMPLATE_PATH).size() == 5);
        assertThat(sentTo(TEMPLATE_PATH)).extracting(b -> b.path("biz_opaque_callback_data").asText())
                .containsExactly("o-1", "o-2", "o-3", "o-4", "o-5");
    }
}
