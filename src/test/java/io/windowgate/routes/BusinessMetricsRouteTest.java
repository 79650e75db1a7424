package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * The business gauges and counters on the real /observe/metrics: notifications waiting by status, HELD by reason,
 * outbox depth and due age, provider errors by code and class, webhook lag; each read as Prometheus scrapes it.
 */
class BusinessMetricsRouteTest extends RouteTestSupport {

    private static final String CRM_TOKEN = "test-crm-token";
    /** The database figures are reused for 5 s: every wait allows a few refreshes. */
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", CRM_TOKEN);
        return p;
    }

    private String scrape() throws Exception {
        return getManagement("/observe/metrics").body();
    }

    private void push(String json) throws Exception {
        assertThat(postJson("/api/notifications", CRM_TOKEN, json).statusCode()).isEqualTo(202);
    }

    @Test
    void waitingNotificationsHeldReasonsAndProviderErrorsAreCountedAndFollowChanges() throws Exception {
        assertThat(metric("windowgate_notifications", "status=\"HELD\"")).isZero();
        assertThat(metric("windowgate_files_running", null)).isZero();

        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).atPriority(1)
                .withRequestBody(containing("\"to\":\"+14155550109\""))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"(#131026) Message undeliverable\",\"code\":131026}}")));
        push("""
                [{"id": "held-1", "to": "+14155550101", "text": "window closed, no template"},
                 {"id": "later-1", "to": "+14155550102", "text": "tomorrow", "sendAt": "2099-01-01T00:00:00Z"},
                 {"id": "bad-1", "to": "+14155550109", "template": {"name": "order_shipped", "language": "en_US"}}]
                """);
        await().atMost(WAIT).until(() -> statusOf("held-1") == Status.HELD && statusOf("bad-1") == Status.FAILED);

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(metric("windowgate_notifications", "status=\"HELD\"")).isEqualTo(1.0);
            assertThat(metric("windowgate_notifications_held", "reason=\"WINDOW\"")).isEqualTo(1.0);
            assertThat(metric("windowgate_notifications", "status=\"SCHEDULED\"")).isEqualTo(1.0);
            assertThat(metric("windowgate_notifications", "status=\"FAILED\"")).isEqualTo(1.0);
        });
        assertThat(metric("windowgate_notifications_held", "reason=\"TEMPLATE\"")).isZero();
        assertThat(metric("windowgate_provider_errors_total", "code=\"131026\"")).isEqualTo(1.0);
        assertThat(scrape()).containsPattern(
                "windowgate_provider_errors_total\\{[^}]*class=\"permanent\"[^}]*origin=\"answer\"[^}]*\\} 1\\.0");

        // the customer writes in, two minutes after the fact: the held one goes out, and the lag is measured
        assertThat(postSignedWebhook(inboundMessages("14155550101", Instant.now().minusSeconds(120).getEpochSecond()))
                .statusCode()).isEqualTo(200);
        assertThat(metric("windowgate_webhook_lag_seconds_count", null)).isEqualTo(1.0);
        assertThat(metric("windowgate_webhook_lag_seconds_max", null)).isBetween(120.0, 180.0);
        await().atMost(WAIT).until(() -> statusOf("held-1") == Status.SENT);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(metric("windowgate_notifications", "status=\"HELD\"")).isZero());
    }

    @Test
    void theOutboxDepthAndTheAgeOfItsOldestDueNotificationRiseWhileNothingSendsAndFallAfter() throws Exception {
        context.getRouteController().stopRoute("outbox-dispatch");
        push("""
                [{"id": "q-1", "to": "+14155550101", "template": {"name": "order_shipped", "language": "en_US"}},
                 {"id": "q-2", "to": "+14155550102", "template": {"name": "order_shipped", "language": "en_US"}}]
                """);

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(metric("windowgate_outbox_due", null)).isEqualTo(2.0);
            assertThat(metric("windowgate_outbox_depth", null)).isEqualTo(2.0);
            assertThat(metric("windowgate_outbox_oldest_due_age_seconds", null)).isPositive();
        });

        context.getRouteController().startRoute("outbox-dispatch");
        await().atMost(WAIT).until(() -> statusOf("q-1") == Status.SENT && statusOf("q-2") == Status.SENT);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(metric("windowgate_outbox_due", null)).isZero();
            assertThat(metric("windowgate_outbox_oldest_due_age_seconds", null)).isZero();
        });
    }
}
