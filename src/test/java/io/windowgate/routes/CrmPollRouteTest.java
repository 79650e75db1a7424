package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import com.github.tomakehurst.wiremock.client.WireMock;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Properties;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.windowgate.crm.CrmPoller;
import io.windowgate.notification.Status;
import io.windowgate.store.SourceStore;
import org.junit.jupiter.api.Test;

/**
 * crm-poll against a CRM stand-in over HTTP (WireMock): pages followed by cursor, the cursor stored in the database,
 * refused items recorded, CRM failures backed off and polling resumed.
 */
class CrmPollRouteTest extends RouteTestSupport {

    private static final String FEED = "/crm/outbox";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.poll.url", provider.baseUrl() + FEED + "?tenant=acme");
        p.setProperty("crm.poll.interval", "300ms");
        p.setProperty("crm.poll.max-backoff", "1s");
        p.setProperty("crm.poll.auth-header", "X-Api-Key");
        p.setProperty("crm.poll.auth-value", "crm-secret");
        return p;
    }

    private SourceStore sources() {
        return context.getRegistry().lookupByNameAndType("sourceStore", SourceStore.class);
    }

    /**
     * Stubs the CRM while crm-poll is stopped, then starts it with an empty request journal: its first poll comes when
     * the route starts, and one that came before the stubs (a 404) or while a scenario's stubs were still being added
     * (its state can go back to the start then, so its first answer is served twice) would count as a poll of the
     * test's.
     */
    private void stubCrm(Runnable stubs) throws Exception {
        context.getRouteController().stopRoute("crm-poll");
        stubs.run();
        provider.resetRequests();
        provider.resetScenarios();
        context.getRouteController().startRoute("crm-poll");
    }

    private void page(String cursor, String body) {
        var request = WireMock.get(urlPathEqualTo(FEED)).withQueryParam("tenant", equalTo("acme"))
                .withHeader("X-Api-Key", equalTo("crm-secret"));
        request = cursor == null ? request.withQueryParam("cursor", absent())
                : request.withQueryParam("cursor", equalTo(cursor));
        provider.stubFor(request.willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    @Test
    void followsThePagesStoresTheCursorAndSends() throws Exception {
        stubCrm(() -> {
            page("c2", "{\"items\": [], \"next\": \"c2\"}");
            page("c1", "{\"items\": [{\"id\": \"p-3\", \"to\": \"+14155550103\", \"template\": {\"name\": "
                    + "\"order_shipped\", \"language\": \"en_US\"}}], \"next\": \"c2\"}");
            page(null, "{\"items\": [{\"id\": \"p-1\", \"to\": \"+14155550101\", \"template\": {\"name\": "
                    + "\"order_shipped\", \"language\": \"en_US\", \"params\": [\"1\"]}}, {\"id\": \"p-bad\", "
                    + "\"to\": \"x\", \"text\": \"hi\"}, {\"id\": \"p-2\", \"to\": 14155550102, \"template\": "
                    + "{\"name\": \"order_shipped\", \"language\": \"en_US\"}}], \"next\": \"c1\"}");
        });

        await().atMost(WAIT).until(() -> statusOf("p-1") == Status.SENT && statusOf("p-2") == Status.SENT
                && statusOf("p-3") == Status.SENT);
        await().atMost(WAIT).until(() -> "c2".equals(sources().cursor(CrmPoller.SOURCE)));
        assertThat(stored("p-2").notification().to()).isEqualTo("+14155550102");
        assertThat(statusOf("p-bad")).isNull();
        assertThat(sources().rejections(CrmPoller.SOURCE, 10)).singleElement().satisfies(r -> {
            assertThat(r.get("item")).isEqualTo("p-bad");
            assertThat(r.get("reference")).isEqualTo("page (first)");
            assertThat((String) r.get("reason")).contains("'x'");
        });
        // later polls start from the stored cursor and see nothing new: every id went out once
        await().atMost(WAIT).until(() -> provider.findAll(getRequestedFor(urlPathEqualTo(FEED))
                .withQueryParam("cursor", equalTo("c2"))).size() >= 3);
        assertThat(provider.findAll(getRequestedFor(urlPathEqualTo(FEED)).withQueryParam("cursor", absent())))
                .hasSize(1);
        assertThat(sendsOf("p-1") + sendsOf("p-2") + sendsOf("p-3")).isEqualTo(3);
    }

    @Test
    void theStoredCursorIsWhereThePollStarts() throws Exception {
        page("c9", "[{\"id\": \"resumed\", \"to\": \"+14155550109\", \"template\": {\"name\": \"order_shipped\", "
                + "\"language\": \"en_US\"}}]");
        page(null, "{\"items\": [], \"next\": null}");

        sources().saveCursor(CrmPoller.SOURCE, "c9");

        await().atMost(WAIT).until(() -> statusOf("resumed") == Status.SENT);
        // a plain array has no cursor: the stored one stays
        assertThat(sources().cursor(CrmPoller.SOURCE)).isEqualTo("c9");
    }

    @Test
    void crmFailuresBackOffAndPollingGoesOn() throws Exception {
        java.util.function.Supplier<com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder> feed =
                () -> WireMock.get(urlPathEqualTo(FEED)).inScenario("outage");
        stubCrm(() -> {
            provider.stubFor(feed.get().whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(503))
                    .willSetStateTo("not json"));
            provider.stubFor(feed.get().whenScenarioStateIs("not json").willReturn(aResponse().withStatus(200)
                    .withBody("<html>maintenance</html>")).willSetStateTo("back"));
            provider.stubFor(feed.get().whenScenarioStateIs("back").willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/json").withBody("{\"items\": [{\"id\": "
                            + "\"after-outage\", \"to\": \"+14155550110\", \"template\": {\"name\": "
                            + "\"order_shipped\", \"language\": \"en_US\"}}], \"next\": \"c1\"}"))
                    .willSetStateTo("done"));
            provider.stubFor(feed.get().whenScenarioStateIs("done").willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/json").withBody("{\"items\": [], \"next\": \"c1\"}")));
        });

        await().atMost(WAIT).until(() -> statusOf("after-outage") == Status.SENT);
        // each failure was a poll of its own: the client does not retry behind the route's back
        assertThat(provider.findAll(getRequestedFor(urlPathEqualTo(FEED)).withQueryParam("cursor", absent())))
                .hasSize(3);
        assertThat(sources().cursor(CrmPoller.SOURCE)).isEqualTo("c1");
        assertThat(sendsOf("after-outage")).isEqualTo(1);
    }
}
