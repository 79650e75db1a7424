package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import io.windowgate.notification.Status;

/**
 * What became of each dispatch and send: the provider's acceptance (wamid, with its cost estimate), a failure, a hold
 * or rejection before sending, and the status webhooks, which move a notification forward only.
 */
public final class DeliveryRecords {

    private final DataSource dataSource;
    private final Clock clock;
    private final NotificationRows rows;
    private final GroupCommit<SentRecord> sentRecords = new GroupCommit<>(this::writeSent);

    public DeliveryRecords(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.rows = new NotificationRows(dataSource);
    }

    /**
     * The provider accepted the message: store its wamid; QUEUED becomes SENT (a faster status webhook may have won).
     * An earlier error is cleared, except on a notification a faster "failed" webhook already made FAILED.
     */
    public void markSent(String id, String route, String wamid) throws SQLException {
        markSent(id, route, wamid, null);
    }

    /**
     * {@link #markSent(String, String, String)} and the message's cost estimate (message_cost) in one transaction.
     * Sends recorded by several senders at the same time share that transaction ({@link GroupCommit}): one commit, so
     * one disk sync, for all of them. It returns once this send is committed. No estimate without a wamid (nothing to
     * price).
     */
    public void markSent(String id, String route, String wamid, CostLedgerStore.Estimate estimate)
            throws SQLException {
        sentRecords.submit(new SentRecord(id, route, wamid, estimate, clock.instant()));
    }

    /** One provider-accepted send to record. */
    private record SentRecord(String id, String route, String wamid, CostLedgerStore.Estimate estimate, Instant at) {
    }

    private void writeSent(List<SentRecord> records) throws SQLException {
        Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE notification SET route = ?, wamid = ?, "
                    + "attempts = attempts + 1, status = CASE WHEN status = 'QUEUED' THEN 'SENT' ELSE status END, "
                    + "error_code = CASE WHEN status = 'FAILED' THEN error_code ELSE NULL END, "
                    + "error_title = CASE WHEN status = 'FAILED' THEN error_title ELSE NULL END, "
                    + "error_details = CASE WHEN status = 'FAILED' THEN error_details ELSE NULL END, "
                    + "lease_owner = NULL, outcome_unknown_since = NULL, updated_at = ? WHERE id = ?")) {
                for (SentRecord r : records) {
                    Jdbc.bind(s, r.route(), r.wamid(), r.at(), r.id());
                    s.addBatch();
                }
                s.executeBatch();
            }
            for (SentRecord r : records) {
                if (r.estimate() != null && r.wamid() != null) {
                    CostLedgerStore.insertEstimate(c, r.wamid(), r.id(), r.estimate(), r.at());
                }
            }
            return null;
        });
    }

    /** The send failed for good: FAILED with the provider's code and details (code is null for transport errors). */
    public void markFailed(String id, String route, Integer code, String title, String details) throws SQLException {
        rows.update("UPDATE notification SET status = 'FAILED', route = ?, attempts = attempts + 1, error_code = ?, "
                + "error_title = ?, error_details = ?, lease_owner = NULL, updated_at = ? WHERE id = ? AND status = 'QUEUED'",
                route, code, Jdbc.truncate(title, 200), Jdbc.truncate(details, 1000), clock.instant(), id);
    }

    /** Why a HELD notification waits. */
    public enum HoldReason { WINDOW, TEMPLATE }

    /** Window closed and no usable template: HELD until the customer writes in (or REJECTED) with the reason. */
    public void markNotSendable(String id, Status status, String reason) throws SQLException {
        markNotSendable(id, status, reason, status == Status.HELD ? HoldReason.WINDOW : null);
    }

    /** Not sendable now: HELD for the given reason, or REJECTED, with the reason in words; only from QUEUED. */
    public void markNotSendable(String id, Status status, String reason, HoldReason holdReason) throws SQLException {
        rows.update("UPDATE notification SET status = ?, route = NULL, error_details = ?, lease_owner = NULL, "
                + "hold_reason = ?, updated_at = ? WHERE id = ? AND status = 'QUEUED'", status.name(),
                Jdbc.truncate(reason, 1000), holdReason == null ? null : holdReason.name(), clock.instant(), id);
    }

    /** Records a provider error that does not end the notification (131047 before a re-route); stays QUEUED. */
    public void noteError(String id, Integer code, String title, String details) throws SQLException {
        rows.update("UPDATE notification SET status = 'QUEUED', attempts = attempts + 1, error_code = ?, error_title = ?, "
                + "error_details = ?, updated_at = ? WHERE id = ?",
                code, Jdbc.truncate(title, 200), Jdbc.truncate(details, 1000), clock.instant(), id);
    }

    /**
     * A failed status webhook that is worth a resend (temporary error, pacing, a pause): the notification goes back
     * from SENT (or QUEUED) to QUEUED, due at {@code notBefore}. Returns false when it had moved on (delivered, final).
     */
    public boolean requeueAfterFailedStatus(String id, Instant notBefore, boolean countsAsRetry, Integer code,
            String title, String details) throws SQLException {
        return rows.update("UPDATE notification SET status = 'QUEUED', next_attempt_at = ?, lease_owner = NULL, "
                + "retries = retries + ?, outcome_unknown_since = NULL, error_code = ?, error_title = ?, "
                + "error_details = ?, updated_at = ? WHERE id = ? AND status IN ('QUEUED', 'SENT')",
                notBefore, countsAsRetry ? 1 : 0, code, Jdbc.truncate(title, 200), Jdbc.truncate(details, 1000),
                clock.instant(), id) > 0;
    }

    /** What a provider status webhook did to the notification it names. */
    public enum StatusOutcome { APPLIED, IGNORED, REROUTE }

    /**
     * Applies a status webhook, forward only (SENT < DELIVERED < READ; FAILED is final). The notification is found by
     * the wamid of its latest send, or by its id (biz_opaque_callback_data) while the wamid is not stored yet. A
     * session message that failed because the window had closed (131047) goes back to QUEUED for a re-route.
     */
    public StatusOutcome applyStatus(String wamid, String callbackId, Status status, Integer errorCode,
            String errorTitle, String errorDetails, boolean windowClosedError) throws SQLException {
        Set<Status> from = status.forwardPredecessors();
        if (from.isEmpty()) {
            return StatusOutcome.IGNORED;
        }
        String match = "(wamid = ? OR (wamid IS NULL AND id = ?))";
        // only free-form messages draw 131047; the route may not be stored yet when the webhook beats the HTTP answer
        String callback = callbackId == null ? "" : callbackId;
        Instant now = clock.instant();
        if (windowClosedError && rows.update("UPDATE notification SET status = 'QUEUED', next_attempt_at = ?, "
                + "lease_owner = NULL, error_code = ?, error_title = ?, error_details = ?, updated_at = ? WHERE " + match + " AND (route = 'session' OR route IS NULL) "
                + "AND status IN ('SENT', 'QUEUED')", now, errorCode, Jdbc.truncate(errorTitle, 200), Jdbc.truncate(errorDetails, 1000), now, wamid,
                callback) > 0) {
            return StatusOutcome.REROUTE;
        }
        List<Object> values = new ArrayList<>();
        String set;
        if (status == Status.FAILED) {
            set = "status = 'FAILED', error_code = ?, error_title = ?, error_details = ?";
            values.addAll(Arrays.asList(errorCode, Jdbc.truncate(errorTitle, 200), Jdbc.truncate(errorDetails, 1000)));
        } else {
            set = "status = ?";
            values.add(status.name());
        }
        values.addAll(forwardValues(status, wamid, callback, now));
        int updated = rows.update(forwardSql(set), values.toArray());
        return updated > 0 ? StatusOutcome.APPLIED : StatusOutcome.IGNORED;
    }

    /** A status of a delivered message (SENT, DELIVERED or READ, no error), as a status webhook reports it. */
    public record StatusChange(String wamid, String callbackId, Status status) {
        public StatusChange {
            if (status != Status.SENT && status != Status.DELIVERED && status != Status.READ) {
                throw new IllegalArgumentException("only SENT, DELIVERED and READ are applied in batches: " + status);
            }
        }
    }

    /**
     * {@link #applyStatus} for many statuses without errors, in their order, as one JDBC batch of the same forward-only
     * statement on the caller's connection (in the caller's transaction): a status never moves a notification back,
     * and a notification's statuses in the list are applied in their order. Returns each one's outcome.
     */
    public StatusOutcome[] applyStatuses(Connection c, List<StatusChange> changes) throws SQLException {
        StatusOutcome[] outcomes = new StatusOutcome[changes.size()];
        if (changes.isEmpty()) {
            return outcomes;
        }
        Instant now = clock.instant();
        try (PreparedStatement s = c.prepareStatement(forwardSql("status = ?"))) {
            for (StatusChange change : changes) {
                List<Object> values = new ArrayList<>();
                values.add(change.status().name());
                values.addAll(forwardValues(change.status(), change.wamid(),
                        change.callbackId() == null ? "" : change.callbackId(), now));
                Jdbc.bind(s, values.toArray());
                s.addBatch();
            }
            int[] counts = s.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                // a driver may answer SUCCESS_NO_INFO (-2): the statement ran, how many rows it moved is unknown
                outcomes[i] = counts[i] > 0 || counts[i] == Statement.SUCCESS_NO_INFO ? StatusOutcome.APPLIED
                        : StatusOutcome.IGNORED;
            }
        }
        return outcomes;
    }

    /** The most statuses a status may move forward from: every forward move binds this many, repeating the last. */
    private static final int MOST_PREDECESSORS = 3;

    /**
     * The forward-only move of a notification found by wamid (or by its id while no wamid is stored): {@code set},
     * then the wamid a send whose outcome was unknown learns here (the provider did get it), only from the statuses
     * before the new one. The same text for every status, so that one statement serves a whole batch.
     */
    private static String forwardSql(String set) {
        return "UPDATE notification SET " + set + ", wamid = COALESCE(wamid, ?), outcome_unknown_since = NULL, "
                + "updated_at = ? WHERE (wamid = ? OR (wamid IS NULL AND id = ?)) AND status IN ("
                + "?, ".repeat(MOST_PREDECESSORS - 1) + "?)";
    }

    /** The values {@link #forwardSql} binds after those of its {@code set}. */
    private static List<Object> forwardValues(Status status, String wamid, String callback, Instant now) {
        List<Object> values = new ArrayList<>(List.of(wamid, now, wamid, callback));
        List<String> from = status.forwardPredecessors().stream().map(Status::name).toList();
        for (int i = 0; i < MOST_PREDECESSORS; i++) {
            values.add(from.get(Math.min(i, from.size() - 1)));
        }
        return values;
    }
}
