package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
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

/** POST /api/files/preview: what each row of a CSV would do now, with nothing sent and nothing stored. */
class FilePreviewRouteTest extends RouteTestSupport {

    private static final String READ_TOKEN = "read-test-token";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("api.read-token", READ_TOKEN);
        p.setProperty("crm.api-token", "crm-test-token");
        return p;
    }

    private HttpResponse<String> preview(String csv, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + "/api/files/preview"))
                .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofString(csv));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void eachRowSaysWhatWouldHappenNowAndNothingIsSentOrStored() throws Exception {
        postSignedWebhook(inboundMessages("14155550100", minutesAgo(5)));
        await().atMost(Duration.ofSeconds(10)).until(() -> windows().lastInboundAt("+14155550100") != null);
        postJson("/api/notifications", "crm-test-token", "{\"id\": \"known\", \"to\": \"+14155550100\", \"text\": \"x\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> statusOf("known") == Status.SENT);
        long sendsBefore = provider.findAll(postRequestedFor(urlPathMatching("/v22.0/.*/messages"))).size();
        String later = Instant.now().plus(Duration.ofDays(2)).toString();

        HttpResponse<String> answer = preview("""
                id,to,text,template,language,param1,send_at
                p-open,+14155550100,Your order shipped,,,,
                p-template,+14155550101,,order_shipped,en_US,123,
                p-held,+14155550102,Text only,,,,
                p-later,+14155550103,Later,,,,%s
                p-bad,not-a-phone,x,,,,
                known,+14155550100,Again,,,,
                """.formatted(later), ADMIN_TOKEN);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        JsonNode result = json.readTree(answer.body());
        assertThat(result.path("rows")).hasSize(6);
        assertThat(result.path("rows").findValuesAsText("outcome"))
                .containsExactly("SESSION", "TEMPLATE", "HELD", "SCHEDULED", "REJECTED", "DUPLICATE");
        assertThat(result.at("/rows/0/line").asInt()).isEqualTo(2);
        assertThat(result.at("/rows/4/reason").asText()).contains("not-a-phone");
        assertThat(result.at("/rows/2/reason").asText()).contains("held until the customer writes in");
        assertThat(result.path("rowCount").asInt()).isEqualTo(6);
        assertThat(result.at("/totals/SESSION").asInt()).isEqualTo(1);
        assertThat(result.at("/totals/REJECTED").asInt()).isEqualTo(1);
        assertThat(result.at("/estimatedCost/service/messages").asInt()).isEqualTo(1);
        assertThat(result.at("/estimatedCost/service/billable").asInt()).isZero();
        assertThat(result.at("/estimatedCost/utility/billable").asInt()).isEqualTo(1);

        for (String id : new String[] {"p-open", "p-template", "p-held", "p-later", "p-bad"}) {
            assertThat(statusOf(id)).as(id + " stored").isNull();
        }
        assertThat(provider.findAll(postRequestedFor(urlPathMatching("/v22.0/.*/messages")))).hasSize((int) sendsBefore);
        assertThat(json.readTree(get("/api/files").body()).path("files")).as("no run recorded").isEmpty();
    }

    @Test
    void onlyTheAdminMayPreviewAndAFileTheDropWouldRefuseIsA400WithTheReason() throws Exception {
        String csv = "id,to,text\na,+14155550100,hi\n";
        assertThat(preview(csv, null).statusCode()).isEqualTo(401);
        assertThat(preview(csv, READ_TOKEN).statusCode()).isEqualTo(403);

        HttpResponse<String> empty = preview("", ADMIN_TOKEN);
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("body is empty");
        HttpResponse<String> headerless = preview("\n\n", ADMIN_TOKEN);
        assertThat(headerless.statusCode()).isEqualTo(400);
        assertThat(headerless.body()).contains(".error/").contains("header row");
        HttpResponse<String> noRecipient = preview("id,text\na,hi\n", ADMIN_TOKEN);
        assertThat(noRecipient.statusCode()).isEqualTo(400);
    }
}
