package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.micrometer.core.instrument.MeterRegistry;
import io.windowgate.store.TemplateStore;
import org.junit.jupiter.api.Test;

/**
 * The template registry synced from a Graph API stand-in over real HTTP: three pages joined by cursors, a page that
 * fails, a template whose status changed at Meta, and one Meta no longer lists.
 */
class TemplateSyncRouteTest extends RouteTestSupport {

    private static final String LIST_PATH = "/v22.0/1234567890/message_templates";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("whatsapp.api-base-url", provider.baseUrl() + "/v22.0");
        p.setProperty("templates.sync.waba-id", "1234567890");
        // the first sync runs at start; the test runs the next ones itself
        p.setProperty("templates.sync.interval", "PT24H");
        // the pages the first sync reads: registered before the app starts
        stubPages("APPROVED");
        return p;
    }

    private static String template(long id, String name, String status) {
        return "{\"id\": \"" + id + "\", \"name\": \"" + name + "\", \"language\": \"en_US\", \"status\": \"" + status
                + "\", \"category\": \"UTILITY\", \"parameter_format\": \"POSITIONAL\", \"components\": [{\"type\": "
                + "\"BODY\", \"text\": \"Order {{1}} is on its way\"}]}";
    }

    private static String page(String next, String... templates) {
        String paging = next == null ? "{\"cursors\": {\"before\": \"b\", \"after\": \"last\"}}"
                : "{\"cursors\": {\"before\": \"b\", \"after\": \"" + next + "\"}, \"next\": \"https://graph.example/"
                        + "v22.0/1234567890/message_templates?limit=100&after=" + next + "\"}";
        return "{\"data\": [" + String.join(", ", templates) + "], \"paging\": " + paging + "}";
    }

    private void stubPage(String after, String body, int status) {
        MappingBuilder request = WireMock.get(urlPathEqualTo(LIST_PATH)).withHeader("Authorization",
                equalTo("Bearer " + ACCESS_TOKEN));
        request = after == null ? request.withQueryParam("after", WireMock.absent())
                : request.withQueryParam("after", equalTo(after));
        provider.stubFor(request.willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    /** Three pages; order_shipped's status is the argument. */
    private void stubPages(String orderShippedStatus) {
        stubPage(null, page("c1", template(1, "order_shipped", orderShippedStatus), template(2, "welcome", "APPROVED")),
                200);
        stubPage("c1", page("c2", template(3, "payment_due", "APPROVED")), 200);
        stubPage("c2", page(null, template(4, "survey", "PENDING")), 200);
    }

    private TemplateStore templates() {
        return context.getRegistry().lookupByNameAndType("templateStore", TemplateStore.class);
    }

    private JsonNode registry() throws Exception {
        return json.readTree(get("/api/templates").body());
    }

    private double syncs(String outcome) {
        return context.getRegistry().findSingleByType(MeterRegistry.class).counter("windowgate.template.sync",
                "outcome", outcome).count();
    }

    @Test
    void everyPageIsReadAFailedPageChangesNothingAndChangesAtMetaReachTheRegistry() throws Exception {
        await().atMost(Duration.ofSeconds(15)).until(() -> templates().syncState().outcome() != null);
        JsonNode first = registry();
        assertThat(first.path("sync").path("outcome").asText()).isEqualTo("OK");
        assertThat(first.path("sync").path("templates").asInt()).isEqualTo(4);
        assertThat(first.path("templates").findValuesAsText("name"))
                .containsExactlyInAnyOrder("order_shipped", "payment_due", "survey", "welcome");
        assertThat(templates().find("order_shipped", "en_US").status()).isEqualTo("APPROVED");
        assertThat(templates().find("order_shipped", "en_US").templateId()).isEqualTo("1");
        assertThat(provider.findAll(getRequestedFor(urlPathEqualTo(LIST_PATH)))).hasSize(3)
                .allSatisfy(r -> assertThat(r.queryParameter("fields").firstValue()).contains("components"));

        // page 2 fails, although page 1 now says order_shipped is PAUSED: nothing is written
        stubPage(null, page("c1", template(1, "order_shipped", "PAUSED")), 200);
        stubPage("c1", "{\"error\": {\"message\": \"An unknown error occurred\", \"code\": 1}}", 500);
        runScheduledRoute("template-sync");

        JsonNode failed = registry();
        assertThat(failed.path("sync").path("outcome").asText()).isEqualTo("FAILED");
        assertThat(failed.path("sync").path("detail").asText()).contains("HTTP 500").contains("unknown error");
        assertThat(failed.path("sync").path("succeededAt").asText())
                .isEqualTo(first.path("sync").path("succeededAt").asText());
        assertThat(templates().find("order_shipped", "en_US").status()).isEqualTo("APPROVED");
        assertThat(templates().list()).hasSize(4);
        assertThat(syncs("failed")).isEqualTo(1);

        // the next sync reads Meta's list again: the status change arrives, a template Meta dropped is DELETED
        stubPage(null, page("c1", template(1, "order_shipped", "PAUSED"), template(2, "welcome", "APPROVED")), 200);
        stubPage("c1", page(null, template(3, "payment_due", "APPROVED")), 200);
        runScheduledRoute("template-sync");

        assertThat(registry().path("sync").path("outcome").asText()).isEqualTo("OK");
        assertThat(templates().find("order_shipped", "en_US").status()).isEqualTo("PAUSED");
        assertThat(templates().find("survey", "en_US").status()).isEqualTo("DELETED");
        assertThat(templates().find("survey", "en_US").reason()).contains("no longer");
        assertThat(templates().find("welcome", "en_US").status()).isEqualTo("APPROVED");
        assertThat(syncs("ok")).isEqualTo(2);
    }

    @Test
    void pagingThatLeadsBackToACursorAlreadyReadFailsInsteadOfLoopingForever() throws Exception {
        await().atMost(Duration.ofSeconds(15)).until(() -> templates().syncState().outcome() != null);
        stubPage("c2", page("c1", template(4, "survey", "PENDING")), 200);

        runScheduledRoute("template-sync");

        JsonNode sync = registry().path("sync");
        assertThat(sync.path("outcome").asText()).isEqualTo("FAILED");
        assertThat(sync.path("detail").asText()).contains("paging does not end");
    }
}
