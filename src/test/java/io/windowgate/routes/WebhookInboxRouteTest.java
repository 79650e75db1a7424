package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import io.windowgate.notification.Status;
import io.windowgate.whatsapp.WebhookSignature;
import org.apache.camel.Endpoint;
import org.apache.camel.component.seda.SedaEndpoint;
import org.junit.jupiter.api.Test;

/**
 * whatsapp-webhook stores each signed webhook in the inbox and answers once it is durable; webhook-inbox-apply applies
 * the stored webhooks in order, plain statuses in batches. Real HTTP in, the real database, events by its triggers.
 */
class WebhookInboxRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TO = "+14155550100";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        // every status change becomes an event (the receiver's answers do not matter here, only the stored order)
        p.setProperty("callbacks.url", provider.baseUrl() + "/events");
        p.setProperty("webhook.inbox.poll-interval-ms", "200");
        return p;
    }

    private DataSource db() {
        return context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
    }

    private List<String> column(String sql, Object... values) throws SQLException {
        try (Connection c = db().getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                s.setObject(i + 1, values[i]);
            }
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1).trim());
                }
            }
            return rows;
        }
    }

    private int storedWebhooks() throws SQLException {
        return Integer.parseInt(column("SELECT COUNT(*) FROM webhook_inbox").get(0));
    }

    /** The notification's status events, in the order they were stored (the order they are delivered). */
    private List<String> statusEvents(String id) throws SQLException {
        return column("SELECT status FROM (SELECT id, status, notification_id, type FROM callback_event UNION ALL "
                + "SELECT id, status, notification_id, type FROM callback_sent) e WHERE notification_id = ? "
                + "AND type = 'notification.status' ORDER BY id", id);
    }

    private HttpResponse<String> postStored(byte[] body) throws Exception {
        return postWebhookOnly(body, WebhookSignature.sign(APP_SECRET, body));
    }

    private void stopApplier() throws Exception {
        context.getRouteController().stopRoute("webhook-inbox-poll");
        context.getRouteController().stopRoute("webhook-inbox-apply");
    }

    /** Sends n session messages to TO; returns their ids once all are SENT. */
    private List<String> sent(String prefix, int n) throws Exception {
        windows().recordInbound(TO, Instant.now(), "wamid.in." + prefix);
        StringBuilder csv = new StringBuilder("id,to,text\n");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(prefix + "-" + i);
            csv.append(prefix).append('-').append(i).append(',').append(TO).append(",hello\n");
        }
        drop(prefix + ".csv", csv.toString());
        await().atMost(WAIT).until(() -> ids.stream().allMatch(id -> statusOf(id) == Status.SENT));
        return ids;
    }

    @Test
    void aBurstOfStatusWebhooksIsAnsweredOnceStoredAndAppliedForwardOnlyWithEventsInOrder() throws Exception {
        List<String> ids = sent("b", 24);
        ExecutorService whatsapp = Executors.newFixedThreadPool(8);
        List<Future<List<Integer>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                String wamid = stored(id).wamid();
                // every second message is read before its delivered status arrives
                List<String> order = i % 2 == 0 ? List.of("sent", "delivered", "read")
                        : List.of("sent", "read", "delivered");
                answers.add(whatsapp.submit(() -> {
                    List<Integer> codes = new ArrayList<>();
                    for (String status : order) {
                        codes.add(postStored(statusUpdate(wamid, id, status, null)).statusCode());
                    }
                    return codes;
                }));
            }
            for (Future<List<Integer>> answer : answers) {
                assertThat(answer.get()).containsExactly(200, 200, 200);
            }
        } finally {
            whatsapp.shutdownNow();
        }

        await().atMost(WAIT).until(() -> storedWebhooks() == 0);
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            assertThat(statusOf(id)).as(id).isEqualTo(Status.READ);
            assertThat(statusEvents(id)).as(id).containsExactlyElementsOf(i % 2 == 0
                    ? List.of("QUEUED", "SENT", "DELIVERED", "READ") : List.of("QUEUED", "SENT", "READ"));
        }
    }

    @Test
    void webhooksStoredButNotAppliedWhenTheApplierStoppedAreAppliedWhenItRunsAgain() throws Exception {
        List<String> ids = sent("c", 2);
        stopApplier();

        for (String id : ids) {
            String wamid = stored(id).wamid();
            assertThat(postStored(statusUpdate(wamid, id, "delivered", null)).statusCode()).isEqualTo(200);
            assertThat(postStored(statusUpdate(wamid, id, "read", null)).statusCode()).isEqualTo(200);
        }
        // a failed status goes its own way, in its place in the order: after c-0's read, which it cannot undo
        assertThat(postStored(statusUpdate(stored("c-0").wamid(), "c-0", "failed", 131026)).statusCode())
                .isEqualTo(200);

        assertThat(storedWebhooks()).isEqualTo(5);
        assertThat(ids).allMatch(id -> statusOf(id) == Status.SENT);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(metric("windowgate_webhook_inbox", "state=\"WAITING\"")).isEqualTo(5.0));

        // as after a crash: the wakes of those webhooks were in memory only; the poll finds the rows
        for (Endpoint endpoint : context.getEndpoints()) {
            if (endpoint instanceof SedaEndpoint seda) {
                seda.purgeQueue();
            }
        }
        context.getRouteController().startRoute("webhook-inbox-apply");
        context.getRouteController().startRoute("webhook-inbox-poll");

        await().atMost(WAIT).until(() -> storedWebhooks() == 0);
        assertThat(ids).allMatch(id -> statusOf(id) == Status.READ);
        assertThat(statusEvents("c-1")).containsExactly("QUEUED", "SENT", "DELIVERED", "READ");
    }

    @Test
    void aMalformedSignedBodyIsRefusedWith400AndAnUnsignedOneWith401AndNeitherIsStored() throws Exception {
        stopApplier();
        byte[] notJson = "{\"entry\": [".getBytes(StandardCharsets.UTF_8);
        byte[] noEntries = "{\"object\": \"whatsapp_business_account\"}".getBytes(StandardCharsets.UTF_8);
        byte[] webhook = statusUpdate("wamid.x", "x-1", "read", null);

        HttpResponse<String> broken = postStored(notJson);
        HttpResponse<String> empty = postStored(noEntries);
        HttpResponse<String> unsigned = postWebhookOnly(webhook, null);

        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(broken.body()).contains("not JSON");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("entry[]");
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(storedWebhooks()).isZero();
        assertThat(postStored(webhook).statusCode()).isEqualTo(200);
        assertThat(storedWebhooks()).isEqualTo(1);
    }

    @Test
    void aStoredWebhookThatCannotBeAppliedStaysWithItsErrorAndTheOthersAreApplied() throws Exception {
        List<String> ids = sent("f", 1);
        stopApplier();
        // a row the applier cannot read, as a damaged copy would be
        try (Connection c = db().getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO webhook_inbox (received_at, body) VALUES (CURRENT_TIMESTAMP, 'not a webhook')")) {
            s.executeUpdate();
        }
        assertThat(postStored(statusUpdate(stored(ids.get(0)).wamid(), ids.get(0), "read", null)).statusCode())
                .isEqualTo(200);

        assertThat(applyWebhookInbox()).isEqualTo(2);

        assertThat(statusOf(ids.get(0))).isEqualTo(Status.READ);
        assertThat(column("SELECT body FROM webhook_inbox")).containsExactly("not a webhook");
        assertThat(column("SELECT attempts FROM webhook_inbox")).containsExactly("1");
        assertThat(column("SELECT last_error FROM webhook_inbox").get(0)).contains("not JSON");
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(metric("windowgate_webhook_inbox", "state=\"FAILING\"")).isEqualTo(1.0));
    }
}
