package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** What the server answers before any route reads the body: the media type of JSON entrances, the size limit. */
class HttpEntrancesRouteTest extends RouteTestSupport {

    private static final String TOKEN = "crm-test-token";
    private static final String ONE = "{\"id\": \"ct-1\", \"to\": \"+14155550100\", \"text\": \"hi\"}";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", TOKEN);
        p.setProperty("camel.server.max-body-size", "2000");
        p.setProperty("crm.max-body-bytes", "1000");
        return p;
    }

    private HttpResponse<String> post(String path, String token, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> push(String contentType) throws Exception {
        return post("/api/notifications", TOKEN, contentType, ONE.getBytes());
    }

    @Test
    void jsonIsRecognisedInAnyCaseWithAUtf8CharsetOrNone() throws Exception {
        assertThat(push("APPLICATION/JSON").statusCode()).isEqualTo(202);
        assertThat(push("Application/Json; charset=UTF-8").statusCode()).isEqualTo(202);
        assertThat(push("application/json;charset=\"utf-8\"").statusCode()).isEqualTo(202);
        assertThat(push("application/json").statusCode()).isEqualTo(202);
    }

    @Test
    void otherMediaTypesAndCharsetsAre415WithWhatToSend() throws Exception {
        for (String wrong : new String[] {"application/jsonx", "application/json-patch+json", "text/plain",
                "application/x-www-form-urlencoded", "application/json; charset=iso-8859-1"}) {
            HttpResponse<String> answer = push(wrong);
            assertThat(answer.statusCode()).as(wrong).isEqualTo(415);
            assertThat(answer.headers().firstValue("Content-Type")).as(wrong).hasValue("application/json");
            assertThat(json.readTree(answer.body()).path("error").asText()).as(wrong)
                    .contains("Content-Type: application/json");
        }
        assertThat(json.readTree(push("application/json; charset=iso-8859-1").body()).path("error").asText())
                .contains("UTF-8").contains("iso-8859-1");
        assertThat(push(null).statusCode()).isEqualTo(415);
        assertThat(statusOf("ct-1")).isNull();
    }

    @Test
    void everyJsonEntranceAppliesTheSameRule() throws Exception {
        for (String path : new String[] {"/api/notifications/retry", "/api/templates", "/api/consents",
                "/webhooks/whatsapp"}) {
            HttpResponse<String> answer = post(path, ADMIN_TOKEN, "application/json; charset=latin1",
                    "{}".getBytes());
            assertThat(answer.statusCode()).as(path).isEqualTo(415);
            assertThat(json.readTree(answer.body()).path("error").asText()).as(path).contains("UTF-8");
        }
        HttpResponse<String> upperCase = post("/api/consents", ADMIN_TOKEN, "APPLICATION/JSON",
                "{\"to\": \"+14155550100\", \"source\": \"web-form\", \"evidence\": \"ticked\"}".getBytes());
        assertThat(upperCase.statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyAboveTheServerLimitGetsAJson413NamingTheLimit() throws Exception {
        HttpResponse<String> answer = post("/api/notifications", TOKEN, "application/json", new byte[2001]);
        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json.readTree(answer.body()).path("error").asText())
                .contains("camel.server.max-body-size (2000 bytes)").contains("split");
    }
}
