package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * optin.required=true: a template goes only to a recipient with an opt-in on record for its category, recorded from a
 * CRM notification's optIn, a CSV opt_in column or POST /api/consents, with its evidence. Session messages (inside the
 * window the customer opened) need none.
 */
class OptInRouteTest extends RouteTestSupport {

    private static final String CRM_TOKEN = "test-crm-token";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", CRM_TOKEN);
        p.setProperty("optin.required", "true");
        p.setProperty("templates.file", "src/test/resources/samples/templates.json");
        return p;
    }

    private void awaitStatus(String id, Status status) {
        await().atMost(WAIT).until(() -> statusOf(id) == status);
    }

    @Test
    void aTemplateNeedsAnOptInFromTheCrmTheCsvOrTheApi() throws Exception {
        String template = "\"template\": {\"name\": \"order_shipped\", \"language\": \"en_US\", \"params\": [\"1\", \"2\"]}";
        assertThat(postJson("/api/notifications", CRM_TOKEN, "[{\"id\": \"none\", \"to\": \"+442079460101\", " + template
                + "}, {\"id\": \"crm\", \"to\": \"+442079460102\", " + template + ", \"optIn\": {\"source\": \"web-form\", "
                + "\"evidence\": \"checkout consent box, order 77\", \"at\": \"2026-05-01T09:30:00Z\"}}]").statusCode())
                .isEqualTo(202);
        drop("o.csv", "id,to,template,language,param1,param2,opt_in\n"
                + "csv-yes,+442079460103,order_shipped,en_US,1,2,yes\n"
                + "csv-no,+442079460104,order_shipped,en_US,1,2,no\n"
                + "csv-bad,+442079460105,order_shipped,en_US,1,2,maybe\n");
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/o.csv")));

        awaitStatus("crm", Status.SENT);
        awaitStatus("none", Status.REJECTED);
        assertThat(stored("none").errorDetails()).contains("no opt-in on record for utility messages");
        assertThat(statusOf("csv-yes")).isEqualTo(Status.SENT);
        assertThat(statusOf("csv-no")).isEqualTo(Status.REJECTED);
        assertThat(stored("csv-bad")).as("a bad opt_in value rejects the row").isNull();
        assertThat(Files.readString(dropDir.resolve(".done/o.csv.rejected.csv"))).contains("opt_in 'maybe'");
        assertThat(sendsOf("none") + sendsOf("csv-no")).isZero();

        JsonNode consent = json.readTree(get("/api/consents/+442079460102", ADMIN_TOKEN).body());
        assertThat(consent.path("optIns").get(0).path("source").asText()).isEqualTo("web-form");
        assertThat(consent.path("optIns").get(0).path("evidence").asText()).isEqualTo("checkout consent box, order 77");
        assertThat(consent.path("optIns").get(0).path("optedInAt").asText()).isEqualTo("2026-05-01T09:30:00Z");
    }

    @Test
    void anOptInRecordedThroughTheApiCoversItsScopeOnly() throws Exception {
        assertThat(postJson("/api/consents", null, "{}").statusCode()).isEqualTo(401);
        assertThat(postJson("/api/consents", ADMIN_TOKEN, "{\"to\": \"not a number\", \"source\": \"x\"}").statusCode())
                .isEqualTo(400);
        assertThat(postJson("/api/consents", ADMIN_TOKEN, "{\"to\": \"+442079460106\", \"source\": \"x\", "
                + "\"scope\": \"SPAM\"}").body()).contains("optIn.scope 'SPAM' is unknown");
        JsonNode recorded = json.readTree(postJson("/api/consents", ADMIN_TOKEN, "{\"to\": \"+44 20 7946 0106\", "
                + "\"source\": \"call centre\", \"scope\": \"MARKETING\", \"evidence\": \"call 2026-05-02, agent 12\"}")
                .body());
        assertThat(recorded.path("to").asText()).as("numbers are normalised as for notifications")
                .isEqualTo("+442079460106");

        assertThat(postJson("/api/notifications", CRM_TOKEN, "[{\"id\": \"mkt\", \"to\": \"+442079460106\", "
                + "\"template\": {\"name\": \"welcome_offer\", \"language\": \"en_US\", \"params\": "
                + "{\"first_name\": \"Ana\", \"discount\": \"10%\"}}}, {\"id\": \"util\", \"to\": \"+442079460106\", "
                + "\"template\": {\"name\": \"order_shipped\", \"language\": \"en_US\", \"params\": [\"1\", \"2\"]}}]")
                .statusCode()).isEqualTo(202);

        awaitStatus("mkt", Status.SENT);
        awaitStatus("util", Status.REJECTED);
    }

    @Test
    void aSessionMessageInsideTheWindowNeedsNoOptIn() throws Exception {
        windows().recordInbound("+442079460107", java.time.Instant.now(), "wamid.in");
        assertThat(postJson("/api/notifications", CRM_TOKEN, "{\"id\": \"reply\", \"to\": \"+442079460107\", "
                + "\"text\": \"Thanks for writing!\"}").statusCode()).isEqualTo(202);
        awaitStatus("reply", Status.SENT);
    }
}
