package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * The cost ledger: an estimate per message at send time (a utility template inside an open window is free), replaced
 * by the pricing of the status webhooks, totalled by GET /api/usage and counted once per message in Prometheus.
 */
class UsageRouteTest extends RouteTestSupport {

    private static final String CRM_TOKEN = "test-crm-token";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", CRM_TOKEN);
        p.setProperty("templates.file", "src/test/resources/samples/templates.json");
        return p;
    }

    private JsonNode usageOf(String category) throws Exception {
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        JsonNode usage = json.readTree(get("/api/usage?from=" + today + "&to=" + today, ADMIN_TOKEN).body());
        for (JsonNode row : usage.path("days")) {
            if (row.path("category").asText().equals(category)) {
                return row;
            }
        }
        return null;
    }

    private byte[] pricedStatus(String wamid, String id, String status, String pricingJson) {
        return ("{\"object\": \"whatsapp_business_account\", \"entry\": [{\"id\": \"waba\", \"changes\": [{\"field\": "
                + "\"messages\", \"value\": {\"messaging_product\": \"whatsapp\", \"metadata\": {\"phone_number_id\": "
                + "\"123\"}, \"statuses\": [{\"id\": \"" + wamid + "\", \"status\": \"" + status + "\", \"timestamp\": \""
                + Instant.now().getEpochSecond() + "\", \"recipient_id\": \"442079460123\", "
                + "\"biz_opaque_callback_data\": \"" + id + "\", \"pricing\": " + pricingJson + "}]}}]}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void estimatesAtSendAreReplacedByMetasPricingAndTotalledPerDayAndCategory() throws Exception {
        windows().recordInbound("+442079460123", Instant.now(), "wamid.in");
        assertThat(postJson("/api/notifications", CRM_TOKEN, """
                [{"id": "util-open", "to": "+442079460123",
                  "template": {"name": "order_shipped", "language": "en_US", "params": ["1", "today"]}},
                 {"id": "util-closed", "to": "+442079460124",
                  "template": {"name": "order_shipped", "language": "en_US", "params": ["2", "today"]}},
                 {"id": "offer", "to": "+442079460125",
                  "template": {"name": "welcome_offer", "language": "en_US",
                               "params": {"first_name": "Ana", "discount": "10%"}}},
                 {"id": "reply", "to": "+442079460123", "text": "Thanks for writing"}]""").statusCode()).isEqualTo(202);
        for (String id : new String[] {"util-open", "util-closed", "offer", "reply"}) {
            await().atMost(WAIT).until(() -> statusOf(id) == Status.SENT);
        }

        JsonNode utility = usageOf("utility");
        assertThat(utility.path("messages").asInt()).isEqualTo(2);
        assertThat(utility.path("free").asInt()).as("inside the open window").isEqualTo(1);
        assertThat(utility.path("billable").asInt()).isEqualTo(1);
        assertThat(usageOf("marketing").path("billable").asInt()).isEqualTo(1);
        assertThat(usageOf("service").path("free").asInt()).isEqualTo(1);
        assertThat(usageOf("marketing").path("estimated").asInt()).isEqualTo(1);

        // Meta decides: the marketing message was billed, and says so on every status; count it once
        String pricing = "{\"billable\": true, \"pricing_model\": \"PMP\", \"type\": \"regular\", \"category\": \"marketing\"}";
        postSignedWebhook(pricedStatus(stored("offer").wamid(), "offer", "sent", pricing));
        postSignedWebhook(pricedStatus(stored("offer").wamid(), "offer", "delivered", pricing));
        // ... and the utility template sent outside the window turned out free (an entry point, say)
        postSignedWebhook(pricedStatus(stored("util-closed").wamid(), "util-closed", "delivered",
                "{\"billable\": false, \"pricing_model\": \"PMP\", \"type\": \"free_entry_point\", \"category\": \"utility\"}"));

        assertThat(usageOf("marketing").path("estimated").asInt()).isZero();
        assertThat(usageOf("marketing").path("messages").asInt()).isEqualTo(1);
        assertThat(usageOf("utility").path("free").asInt()).isEqualTo(2);
        String port = context.resolvePropertyPlaceholders("{{camel.management.port}}");
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/observe/metrics"))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("windowgate_messages_priced_total\\{[^}]*category=\"marketing\"[^}]*\\} 1\\.0");
        assertThat(metrics).containsPattern("windowgate_messages_priced_total\\{[^}]*pricing_type=\"free_entry_point\"[^}]*\\} 1\\.0");
        // Camel's own: a timer per route (the provider call is whatsapp-post), no second timer per endpoint call
        assertThat(metrics).containsPattern("camel_route_policy_seconds_count\\{[^}]*routeId=\"whatsapp-post\"[^}]*\\} [1-9]");
        assertThat(metrics).doesNotContain("camel_exchange_event_notifier");

        assertThat(get("/api/usage", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/usage?from=yesterday", ADMIN_TOKEN).statusCode()).isEqualTo(400);
    }
}
