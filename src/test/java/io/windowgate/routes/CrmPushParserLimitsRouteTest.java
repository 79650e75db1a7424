package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import io.windowgate.notification.NotificationJson;
import org.junit.jupiter.api.Test;

/**
 * POST /api/notifications with bodies the JSON parser refuses by its limits: each is the CRM's fault, so a 400 that
 * names the limit, never a 503 that has the CRM send the same body forever. Every body here is below
 * crm.max-body-bytes, so the parser's limit is what refuses it.
 */
class CrmPushParserLimitsRouteTest extends RouteTestSupport {

    private static final String TOKEN = "crm-test-token";
    private static final int MAX_BODY_BYTES = 400_000;

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", TOKEN);
        p.setProperty("crm.max-body-bytes", Integer.toString(MAX_BODY_BYTES));
        return p;
    }

    private HttpResponse<String> push(String body) throws Exception {
        assertThat(body.getBytes(StandardCharsets.UTF_8).length).as("below crm.max-body-bytes")
                .isLessThan(MAX_BODY_BYTES);
        return http.send(HttpRequest.newBuilder(URI.create(base() + "/api/notifications"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String refusal(HttpResponse<String> answer) throws Exception {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(answer.headers().firstValue("Retry-After")).isEmpty();
        return json.readTree(answer.body()).path("error").asText();
    }

    @Test
    void arraysNestedTooDeepAreRefused() throws Exception {
        int depth = NotificationJson.MAX_NESTING_DEPTH + 1;
        String body = "[".repeat(depth) + "]".repeat(depth);

        assertThat(refusal(push(body))).startsWith("the body is nested deeper than 1,000 levels").contains("line 1");
    }

    @Test
    void aNumberWithTooManyDigitsIsRefused() throws Exception {
        String body = "{\"id\": " + "1".repeat(NotificationJson.MAX_NUMBER_LENGTH + 1)
                + ", \"to\": \"+14155550100\", \"text\": \"hi\"}";

        assertThat(refusal(push(body))).startsWith("the body holds a number longer than 1,000 digits");
        assertThat(statusOf("1".repeat(NotificationJson.MAX_NUMBER_LENGTH + 1))).isNull();
    }

    @Test
    void aStringLongerThanTheLimitIsRefusedAndOneAtTheLimitIsAnsweredPerItem() throws Exception {
        String over = "{\"id\": \"long\", \"to\": \"+14155550100\", \"text\": \""
                + "x".repeat(NotificationJson.MAX_STRING_LENGTH + 1) + "\"}";
        assertThat(refusal(push(over))).startsWith("the body holds a string longer than 100,000 characters");

        String at = "{\"id\": \"long\", \"to\": \"+14155550100\", \"text\": \""
                + "x".repeat(NotificationJson.MAX_STRING_LENGTH) + "\"}";
        HttpResponse<String> answer = push(at);
        assertThat(answer.statusCode()).isEqualTo(202);
        assertThat(json.readTree(answer.body()).path("rejected").path(0).path("reason").asText())
                .contains("text is 100000 characters long");
        assertThat(statusOf("long")).isNull();
    }

    @Test
    void aFieldNameLongerThanTheLimitIsRefused() throws Exception {
        String body = "{\"id\": \"named\", \"to\": \"+14155550100\", \"text\": \"hi\", \""
                + "k".repeat(NotificationJson.MAX_NAME_LENGTH + 1) + "\": 1}";

        assertThat(refusal(push(body))).startsWith("the body holds a field name longer than 1,000 characters");
        assertThat(statusOf("named")).isNull();
    }
}
