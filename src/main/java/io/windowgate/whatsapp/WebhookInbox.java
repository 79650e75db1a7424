package io.windowgate.whatsapp;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.ops.BusinessMetrics;
import io.windowgate.store.DeliveryRecords.StatusChange;
import io.windowgate.store.DeliveryRecords.StatusOutcome;
import io.windowgate.store.WebhookInboxStore;
import io.windowgate.store.WebhookInboxStore.Row;
import io.windowgate.whatsapp.WebhookEvents.MalformedWebhookException;
import io.windowgate.whatsapp.WebhookEvents.Outcome;
import io.windowgate.whatsapp.WebhookEvents.PlainStatuses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks answered once durable, applied in batches. The webhook route hands each signed body to {@link #receive}: it
 * is read (a malformed body is refused, nothing stored) and stored in the inbox, and the route answers 200 once it is
 * committed. webhook-inbox-apply calls {@link #applyPending}, which applies the stored bodies in arrival order: a run of
 * bodies that hold only plain statuses (sent, delivered, read: the three webhooks of every send) is applied as one batch
 * in one transaction with the deletion of its rows; any other body (inbound messages, failed statuses, template and
 * preference changes) is applied as before, on its own, and its row deleted after it. A crash between the two applies
 * that body again, which changes nothing: statuses only move forward, an inbound message moves its window only forward
 * and its events are deduplicated by the message's wamid.
 */
public final class WebhookInbox {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookInbox.class);

    private final WebhookInboxStore store;
    private final WebhookEvents events;
    private final Supplier<BusinessMetrics> metrics;
    private final int batchSize;

    public WebhookInbox(WebhookInboxStore store, WebhookEvents events, Supplier<BusinessMetrics> metrics,
            int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("webhook.inbox.batch-size must be at least 1, was " + batchSize);
        }
        this.store = store;
        this.events = events;
        this.metrics = metrics;
        this.batchSize = batchSize;
    }

    /** Checks that a signed body is a webhook (else 400, nothing stored) and stores it; returns once it is durable. */
    public void receive(byte[] body) throws MalformedWebhookException, SQLException {
        events.parse(body);
        // parse accepts only well-formed UTF-8, so the text is the body's exact content
        store.append(new String(body, StandardCharsets.UTF_8));
    }

    /**
     * Applies every stored body, oldest first, and returns how many rows it handled (0 when another node is applying
     * them). A body whose apply fails stays in the inbox, with the error, for the next run; the others go on.
     */
    public int applyPending() throws SQLException {
        Integer handled = store.exclusively(() -> {
            int total = 0;
            long after = 0;
            List<Row> rows;
            do {
                rows = store.next(after, batchSize);
                if (!rows.isEmpty()) {
                    apply(rows);
                    after = rows.get(rows.size() - 1).id();
                    total += rows.size();
                }
                // a part-filled batch was the end: rows stored since then wake the applier again
            } while (rows.size() == batchSize);
            return total;
        });
        return handled == null ? 0 : handled;
    }

    /** Rows stored and not applied yet. */
    public long waiting() throws SQLException {
        return store.waiting();
    }

    private record Parsed(Row row, JsonNode root, PlainStatuses plain) {
    }

    /** Applies rows in their order: runs of plain statuses as one batch each, anything else on its own. */
    private void apply(List<Row> rows) throws SQLException {
        List<Parsed> batch = new ArrayList<>();
        for (Row row : rows) {
            JsonNode root;
            PlainStatuses plain;
            try {
                root = events.parse(row.body().getBytes(StandardCharsets.UTF_8));
                plain = events.plainStatuses(root);
            } catch (MalformedWebhookException | RuntimeException e) {
                failed(row, e);
                continue;
            }
            if (plain != null) {
                batch.add(new Parsed(row, root, plain));
                continue;
            }
            // the batch before this body first: a notification's statuses are applied in the order they came
            applyBatch(batch);
            batch.clear();
            applyAlone(row, root);
        }
        applyBatch(batch);
    }

    private void applyBatch(List<Parsed> batch) throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        List<Long> ids = new ArrayList<>(batch.size());
        List<JsonNode> statuses = new ArrayList<>();
        List<StatusChange> changes = new ArrayList<>();
        for (Parsed p : batch) {
            ids.add(p.row().id());
            statuses.addAll(p.plain().statuses());
            changes.addAll(p.plain().changes());
        }
        StatusOutcome[] outcomes;
        try {
            events.learnAndPrice(statuses);
            outcomes = store.applyStatuses(ids, changes);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("A batch of {} status webhooks could not be applied together ({}); applying them one by one",
                    batch.size(), e.getMessage());
            for (Parsed p : batch) {
                applyAlone(p.row(), p.root());
            }
            return;
        }
        for (int i = 0; i < outcomes.length; i++) {
            events.applied(changes.get(i), outcomes[i]);
        }
        for (Parsed p : batch) {
            applied(p.plain().outcome());
        }
    }

    private void applyAlone(Row row, JsonNode root) throws SQLException {
        Outcome outcome;
        try {
            outcome = events.apply(root);
            store.remove(row.id());
        } catch (SQLException | RuntimeException e) {
            failed(row, e);
            return;
        }
        applied(outcome);
    }

    private void applied(Outcome outcome) {
        LOG.debug("Webhook applied: {}", outcome);
        BusinessMetrics m = metrics.get();
        if (m != null) {
            m.webhookApplied(outcome);
        }
    }

    /**
     * Keeps the row for the next run with its error. When even that cannot be written the database is away: the run
     * ends with that error and every row stays as it was.
     */
    private void failed(Row row, Exception e) throws SQLException {
        try {
            store.failed(row.id(), e.toString());
        } catch (SQLException cannotRecord) {
            cannotRecord.addSuppressed(e);
            throw cannotRecord;
        }
        LOG.warn("Webhook {} (received {}) could not be applied, attempt {}: {}; it stays in the inbox and is tried "
                + "again at the next poll", row.id(), row.receivedAt(), row.attempts() + 1, e.toString());
    }
}
