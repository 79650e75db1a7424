package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** notification-status-api: GET /api/notifications/{id} tells where a notification stands. */
class NotificationStatusApiRouteTest extends RouteTestSupport {

    @Test
    void unknownIdAnswers404() throws Exception {
        HttpResponse<String> response = get("/api/notifications/nope");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    }

    @Test
    void showsStatusRouteAndLastError() throws Exception {
        drop("s.csv", "id,to,text,template,language\nsent-1,+14155550101,,order_shipped,en_US\n"
                + "held-1,+14155550102,only text,,\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(dropDir.resolve(".done/s.csv")));

        JsonNode sent = json.readTree(get("/api/notifications/sent-1").body());
        assertThat(sent.path("id").asText()).isEqualTo("sent-1");
        assertThat(sent.path("status").asText()).isEqualTo("SENT");
        assertThat(sent.path("route").asText()).isEqualTo("template");
        assertThat(sent.path("wamid").asText()).startsWith("wamid.");
        assertThat(sent.path("lastError").isNull()).isTrue();

        JsonNode held = json.readTree(get("/api/notifications/held-1").body());
        assertThat(held.path("status").asText()).isEqualTo("HELD");
        assertThat(held.path("route").isNull()).isTrue();
        assertThat(held.path("lastError").path("details").asText()).contains("held until the customer writes in");
    }
}
