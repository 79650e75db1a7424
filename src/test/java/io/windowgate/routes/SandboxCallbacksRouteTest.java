package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** sandbox-callbacks: in sandbox mode, with no receiver configured, the events reach the built-in receiver, signed. */
class SandboxCallbacksRouteTest extends RouteTestSupport {

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("whatsapp.access-token", "");
        p.setProperty("whatsapp.app-secret", "");
        return p;
    }

    @Test
    void theWalkthroughsEventsAreShownInOrderWithTheirSignatureChecked() throws Exception {
        assertThat(postJson("/api/notifications", ADMIN_TOKEN, "{\"id\":\"demo-cb\",\"to\":\"+14155550100\","
                + "\"template\":{\"name\":\"hello\",\"language\":\"en_US\"}}").statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(20)).until(() -> statuses("demo-cb").contains("DELIVERED"));
        assertThat(statuses("demo-cb")).containsSubsequence("QUEUED", "SENT", "DELIVERED");
        JsonNode shown = json.readTree(get("/sandbox/callbacks", null).body());
        assertThat(shown.findValues("signatureValid")).isNotEmpty().allSatisfy(v -> assertThat(v.asBoolean()).isTrue());
    }

    @Test
    void anArrayOfEventsIsShownAsOneEntryEach() throws Exception {
        assertThat(postJson("/sandbox/callbacks", null, "[{\"eventId\":\"a-1\",\"notificationId\":\"arr\","
                + "\"status\":\"QUEUED\"},{\"eventId\":\"a-2\",\"notificationId\":\"arr\",\"status\":\"SENT\"}]")
                .statusCode()).isEqualTo(204);

        assertThat(statuses("arr")).containsExactly("QUEUED", "SENT");
    }

    /** The statuses of a notification's events as the sandbox receiver shows them, oldest first. */
    private List<String> statuses(String id) throws Exception {
        List<String> statuses = new ArrayList<>();
        for (JsonNode entry : json.readTree(get("/sandbox/callbacks", null).body())) {
            if (id.equals(entry.path("event").path("notificationId").asText())) {
                statuses.add(0, entry.path("event").path("status").asText());
            }
        }
        return statuses;
    }
}
