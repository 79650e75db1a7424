package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.notification.TemplateRef;

/**
 * The notifications in the database: the idempotency record (the id is the primary key) and the delivery state.
 * Status changes are conditional updates, so concurrent webhooks and sends cannot move a notification backwards.
 */
public final class NotificationStore {

    private static final String COLUMNS = "id, recipient, body_text, template_name, template_language, template_params, "
            + "category, send_at, source, status, route, wamid, attempts, error_code, error_title, error_details, "
            + "created_at, updated_at, next_attempt_at, lease_owner, outcome_unknown_since, retries, template_parts";
    private static final TypeReference<List<String>> LIST = new TypeReference<>() { };
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() { };

    private final DataSource dataSource;
    private final Clock clock;
    /** Whether claims may skip rows locked by other claimers; null until the first claim asks the database. */
    private volatile Boolean skipLocked;
    private final ObjectMapper json = new ObjectMapper();
    private final GroupCommit<SentRecord> sentRecords = new GroupCommit<>(this::writeSent);

    public NotificationStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /**
     * Stores a new notification; false when one with the same id already exists (a duplicate). A QUEUED one is due in
     * the outbox at once.
     */
    public boolean insert(Notification n, Status status) throws SQLException {
        return insert(n, status, null, status == Status.QUEUED ? clock.instant() : null);
    }

    /**
     * Stores a new QUEUED notification already claimed by {@code leaseOwner} until {@code leaseUntil}: the caller sends
     * it now, and the outbox takes it over only if that send never finishes (the process died). False for a duplicate.
     */
    public boolean insertClaimed(Notification n, String leaseOwner, Instant leaseUntil) throws SQLException {
        return insert(n, Status.QUEUED, leaseOwner, leaseUntil);
    }

    private static final String INSERT = "INSERT INTO notification (" + COLUMNS + ") "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, NULL, NULL, NULL, ?, ?, ?, ?, NULL, 0, ?)";

    private boolean insert(Notification n, Status status, String leaseOwner, Instant nextAttemptAt) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(INSERT)) {
            bindInsert(s, n, status, leaseOwner, nextAttemptAt, clock.instant());
            s.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (Jdbc.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    private void bindInsert(PreparedStatement s, Notification n, Status status, String leaseOwner,
            Instant nextAttemptAt, Instant now) throws SQLException {
        TemplateRef t = n.template();
        Jdbc.bind(s, n.id(), n.to(), n.text(), t == null ? null : t.name(), t == null ? null : t.language(),
                t == null ? null : paramsJson(t), n.category() == null ? null : n.category().name(), n.sendAt(),
                n.source(), status.name(), now, now, nextAttemptAt, leaseOwner, t == null ? null : partsJson(t));
    }

    /**
     * Stores a chunk of new notifications in one transaction (bulk sources: one commit, so one disk sync, per chunk
     * instead of per row). Each QUEUED one is claimed for {@code leaseOwner} until {@code leaseUntil}; SCHEDULED ones
     * wait for their sendAt. Returns, per notification, whether it was new (false: its id was already stored, or
     * appears earlier in the chunk). Should another writer store one of the ids meanwhile, the chunk is stored row by
     * row instead, with the same answer.
     */
    public boolean[] insertAll(List<Notification> chunk, List<Status> statuses, String leaseOwner, Instant leaseUntil)
            throws SQLException {
        if (chunk.isEmpty()) {
            return new boolean[0];
        }
        Instant now = clock.instant();
        try {
            return Jdbc.inTransaction(dataSource, c -> {
                boolean[] inserted = new boolean[chunk.size()];
                java.util.Set<String> taken = existingIds(c, chunk);
                int added = 0;
                try (PreparedStatement s = c.prepareStatement(INSERT)) {
                    for (int i = 0; i < chunk.size(); i++) {
                        Notification n = chunk.get(i);
                        if (taken.add(n.id())) {
                            boolean queued = statuses.get(i) == Status.QUEUED;
                            bindInsert(s, n, statuses.get(i), queued ? leaseOwner : null, queued ? leaseUntil : null,
                                    now);
                            s.addBatch();
                            inserted[i] = true;
                            added++;
                        }
                    }
                    if (added > 0) {
                        s.executeBatch();
                    }
                }
                return inserted;
            });
        } catch (SQLException e) {
            if (!Jdbc.isUniqueViolation(e) && !(e instanceof java.sql.BatchUpdateException)) {
                throw e;
            }
        }
        // an id was stored by someone else between the check and the insert: row by row, each its own answer
        boolean[] inserted = new boolean[chunk.size()];
        for (int i = 0; i < chunk.size(); i++) {
            boolean queued = statuses.get(i) == Status.QUEUED;
            inserted[i] = insert(chunk.get(i), statuses.get(i), queued ? leaseOwner : null, queued ? leaseUntil : null);
        }
        return inserted;
    }

    /** The ids of {@code chunk} already in the table. */
    private static java.util.Set<String> existingIds(Connection c, List<Notification> chunk) throws SQLException {
        java.util.Set<String> found = new java.util.HashSet<>();
        String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
        try (PreparedStatement s = c.prepareStatement("SELECT id FROM notification WHERE id IN (" + marks + ")")) {
            for (int i = 0; i < chunk.size(); i++) {
                s.setString(i + 1, chunk.get(i).id());
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }

    public StoredNotification find(String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM notification WHERE id = ?")) {
            Jdbc.bind(s, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? read(rs) : null;
            }
        }
    }

    /** The canonical notification stored under this id (for re-routing); fails when the id is unknown. */
    public Notification load(String id) throws SQLException {
        StoredNotification stored = find(id);
        if (stored == null) {
            throw new IllegalArgumentException("no notification with id " + id);
        }
        return stored.notification();
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
        update("UPDATE notification SET status = 'FAILED', route = ?, attempts = attempts + 1, error_code = ?, "
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
        update("UPDATE notification SET status = ?, route = NULL, error_details = ?, lease_owner = NULL, "
                + "hold_reason = ?, updated_at = ? WHERE id = ? AND status = 'QUEUED'", status.name(),
                Jdbc.truncate(reason, 1000), holdReason == null ? null : holdReason.name(), clock.instant(), id);
    }

    /**
     * A template was unpaused (approved again): its HELD notifications go back into the outbox, oldest first. Returns
     * how many.
     */
    public int releaseHeldForTemplate(String name, String language) throws SQLException {
        return update("UPDATE notification SET status = 'QUEUED', next_attempt_at = created_at, lease_owner = NULL, "
                + "hold_reason = NULL, updated_at = ? WHERE status = 'HELD' AND hold_reason = 'TEMPLATE' "
                + "AND template_name = ? AND template_language = ?", clock.instant(), name, language);
    }

    /** Records a provider error that does not end the notification (131047 before a re-route); stays QUEUED. */
    public void noteError(String id, Integer code, String title, String details) throws SQLException {
        update("UPDATE notification SET status = 'QUEUED', attempts = attempts + 1, error_code = ?, error_title = ?, "
                + "error_details = ?, updated_at = ? WHERE id = ?",
                code, Jdbc.truncate(title, 200), Jdbc.truncate(details, 1000), clock.instant(), id);
    }

    /**
     * Puts the recipient's notifications HELD for a closed window back into the outbox, due at once and in the order
     * they arrived. Returns how many were released.
     */
    public int releaseHeld(String recipient) throws SQLException {
        return update("UPDATE notification SET status = 'QUEUED', next_attempt_at = created_at, lease_owner = NULL, "
                + "hold_reason = NULL, updated_at = ? WHERE recipient = ? AND status = 'HELD' "
                + "AND (hold_reason IS NULL OR hold_reason = 'WINDOW')", clock.instant(), recipient);
    }

    /**
     * Puts every SCHEDULED notification whose sendAt has come into the outbox, due at its sendAt (so the earliest goes
     * first), in one statement. Overdue ones (the service was down at their time) are included. Returns how many.
     */
    public int releaseDue() throws SQLException {
        Instant now = clock.instant();
        return update("UPDATE notification SET status = 'QUEUED', next_attempt_at = send_at, lease_owner = NULL, "
                + "updated_at = ? WHERE status = 'SCHEDULED' AND send_at <= ?", now, now);
    }

    /** A notification the outbox claimed, and whether an earlier claim of it never finished. */
    public record Claim(StoredNotification stored, boolean interrupted) {
    }

    /**
     * Claims up to {@code limit} due QUEUED notifications for {@code owner} until {@code leaseUntil}, earliest due first,
     * in one transaction. Each is moved with a conditional update, so a concurrent claimer never gets the same one.
     * On PostgreSQL the candidates are read {@code FOR UPDATE SKIP LOCKED}: nodes claiming at the same moment get
     * disjoint batches instead of waiting for each other's rows and coming back with less. HSQLDB has no SKIP LOCKED;
     * there the conditional update alone keeps claims exclusive (the embedded database serves one node).
     */
    public List<Claim> claimDue(String owner, Instant leaseUntil, int limit) throws SQLException {
        Instant now = clock.instant();
        return Jdbc.inTransaction(dataSource, c -> {
            List<StoredNotification> candidates = new ArrayList<>();
            boolean skipLocked = supportsSkipLocked(c);
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM notification "
                    + "WHERE status = 'QUEUED' AND next_attempt_at <= ? ORDER BY next_attempt_at, id"
                    + (skipLocked ? " LIMIT ? FOR UPDATE SKIP LOCKED" : ""))) {
                s.setMaxRows(limit);
                Jdbc.bind(s, now);
                if (skipLocked) {
                    s.setInt(2, limit);
                }
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(read(rs));
                    }
                }
            }
            List<Claim> claimed = new ArrayList<>();
            if (!candidates.isEmpty()) {
                try (PreparedStatement move = c.prepareStatement("UPDATE notification SET lease_owner = ?, "
                        + "next_attempt_at = ? WHERE id = ? AND status = 'QUEUED' AND next_attempt_at <= ?")) {
                    for (StoredNotification n : candidates) {
                        Jdbc.bind(move, owner, leaseUntil, n.notification().id(), now);
                        move.addBatch();
                    }
                    int[] counts = move.executeBatch();
                    for (int i = 0; i < counts.length; i++) {
                        if (counts[i] != 0) {
                            claimed.add(new Claim(candidates.get(i), candidates.get(i).leaseOwner() != null));
                        }
                    }
                }
            }
            return claimed;
        });
    }

    /** Whether the database reads {@code FOR UPDATE SKIP LOCKED} (PostgreSQL); asked once, not at every claim. */
    private boolean supportsSkipLocked(Connection c) throws SQLException {
        Boolean known = skipLocked;
        if (known == null) {
            known = "PostgreSQL".equals(c.getMetaData().getDatabaseProductName());
            skipLocked = known;
        }
        return known;
    }

    /**
     * Extends {@code owner}'s claim of a notification it is about to send until {@code leaseUntil}. False when the
     * claim is no longer its own (another node took it over after it ended) or the notification is no longer QUEUED.
     */
    public boolean renewClaim(String id, String owner, Instant leaseUntil) throws SQLException {
        return update("UPDATE notification SET next_attempt_at = ? WHERE id = ? AND lease_owner = ? "
                + "AND status = 'QUEUED'", leaseUntil, id, owner) == 1;
    }

    /**
     * Extends a claim that {@code owner} made until {@code claimedUntil} to {@code leaseUntil}, if it is still that
     * claim: false when it was claimed again since (by any node, this one included, as the claim's end moved) or the
     * notification is no longer QUEUED.
     */
    public boolean extendClaim(String id, String owner, Instant claimedUntil, Instant leaseUntil) throws SQLException {
        return update("UPDATE notification SET next_attempt_at = ? WHERE id = ? AND lease_owner = ? "
                + "AND next_attempt_at = ? AND status = 'QUEUED'", leaseUntil, id, owner, claimedUntil) == 1;
    }

    /**
     * Gives up the claims of {@code owner} on a graceful stop: what it claimed but did not send is due at once for the
     * other nodes (or this one after its restart) instead of after the lease. Sends whose outcome is unknown keep
     * waiting for their status webhook. Returns how many.
     */
    public int releaseClaims(String owner) throws SQLException {
        Instant now = clock.instant();
        return update("UPDATE notification SET lease_owner = NULL, next_attempt_at = ?, updated_at = ? "
                + "WHERE lease_owner = ? AND status = 'QUEUED' AND outcome_unknown_since IS NULL", now, now, owner);
    }

    /**
     * The send did not happen and must wait (pacing, Retry-After, a pause): due again at {@code notBefore}. Only the
     * lease is given up; attempts and errors are unchanged.
     */
    public void defer(String id, Instant notBefore) throws SQLException {
        update("UPDATE notification SET next_attempt_at = ?, lease_owner = NULL, updated_at = ? "
                + "WHERE id = ? AND status = 'QUEUED'", notBefore, clock.instant(), id);
    }

    /**
     * Sending was resumed before the pause ended: everything waiting no later than {@code pausedUntil} is due now. Sends
     * whose outcome is unknown keep waiting for their status webhook, and claims in progress are left alone.
     */
    public int dueNow(Instant pausedUntil) throws SQLException {
        Instant now = clock.instant();
        return update("UPDATE notification SET next_attempt_at = ? WHERE status = 'QUEUED' AND next_attempt_at > ? "
                + "AND next_attempt_at <= ? AND outcome_unknown_since IS NULL AND lease_owner IS NULL",
                now, now, pausedUntil);
    }

    /**
     * A send attempt failed in a way worth trying again: QUEUED, due at {@code notBefore}, with the error recorded.
     *
     * @param countsAsRetry whether the attempt uses up one of whatsapp.retry.max-redeliveries (not for pacing or pauses)
     * @param outcomeUnknown the request may have reached the provider: wait for a status webhook before resending
     */
    public void retryLater(String id, Instant notBefore, boolean countsAsRetry, boolean outcomeUnknown, Integer code,
            String title, String details) throws SQLException {
        Instant now = clock.instant();
        update("UPDATE notification SET next_attempt_at = ?, lease_owner = NULL, attempts = attempts + 1, "
                + "retries = retries + ?, outcome_unknown_since = ?, error_code = ?, error_title = ?, "
                + "error_details = ?, updated_at = ? WHERE id = ? AND status = 'QUEUED'",
                notBefore, countsAsRetry ? 1 : 0, outcomeUnknown ? now : null, code, Jdbc.truncate(title, 200),
                Jdbc.truncate(details, 1000), now, id);
    }

    /**
     * A failed status webhook that is worth a resend (temporary error, pacing, a pause): the notification goes back
     * from SENT (or QUEUED) to QUEUED, due at {@code notBefore}. Returns false when it had moved on (delivered, final).
     */
    public boolean requeueAfterFailedStatus(String id, Instant notBefore, boolean countsAsRetry, Integer code,
            String title, String details) throws SQLException {
        return update("UPDATE notification SET status = 'QUEUED', next_attempt_at = ?, lease_owner = NULL, "
                + "retries = retries + ?, outcome_unknown_since = NULL, error_code = ?, error_title = ?, "
                + "error_details = ?, updated_at = ? WHERE id = ? AND status IN ('QUEUED', 'SENT')",
                notBefore, countsAsRetry ? 1 : 0, code, Jdbc.truncate(title, 200), Jdbc.truncate(details, 1000),
                clock.instant(), id) > 0;
    }

    /**
     * Puts FAILED notifications back into the outbox (an operator's retry): due now, with a fresh retry budget. Any
     * other status is left alone; in particular nothing already sent is sent again. Returns the ids requeued.
     */
    public List<String> requeueFailed(List<String> ids) throws SQLException {
        List<String> requeued = new ArrayList<>();
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE notification SET status = 'QUEUED', next_attempt_at = ?, "
                     + "lease_owner = NULL, retries = 0, outcome_unknown_since = NULL, updated_at = ? "
                     + "WHERE id = ? AND status = 'FAILED'")) {
            for (String id : ids) {
                Jdbc.bind(s, now, now, id);
                if (s.executeUpdate() > 0) {
                    requeued.add(id);
                }
            }
        }
        return requeued;
    }

    /** Requeues every FAILED notification (with this error code, when one is given). Returns how many. */
    public int requeueFailed(Integer errorCode) throws SQLException {
        Instant now = clock.instant();
        return update("UPDATE notification SET status = 'QUEUED', next_attempt_at = ?, lease_owner = NULL, "
                + "retries = 0, outcome_unknown_since = NULL, updated_at = ? WHERE status = 'FAILED'"
                + (errorCode == null ? "" : " AND error_code = ?"),
                errorCode == null ? new Object[] {now, now} : new Object[] {now, now, errorCode});
    }

    /** One page of the notifications with a status, by id: those after {@code afterId} (null = from the start). */
    public List<StoredNotification> list(Status status, Integer errorCode, String afterId, int limit)
            throws SQLException {
        List<Object> values = new ArrayList<>(List.of(status.name(), afterId == null ? "" : afterId));
        String sql = "SELECT " + COLUMNS + " FROM notification WHERE status = ? AND id > ?";
        if (errorCode != null) {
            sql += " AND error_code = ?";
            values.add(errorCode);
        }
        List<StoredNotification> page = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(sql + " ORDER BY id")) {
            s.setMaxRows(limit);
            Jdbc.bind(s, values.toArray());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    page.add(read(rs));
                }
            }
        }
        return page;
    }

    /** The notification a status webhook names: by the wamid of its latest send, or by its id while none is stored. */
    public StoredNotification findForStatus(String wamid, String callbackId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM notification "
                     + "WHERE wamid = ? OR (wamid IS NULL AND id = ?)")) {
            Jdbc.bind(s, wamid, callbackId == null ? "" : callbackId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? read(rs) : null;
            }
        }
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
        if (windowClosedError && update("UPDATE notification SET status = 'QUEUED', next_attempt_at = ?, "
                + "lease_owner = NULL, error_code = ?, error_title = ?, error_details = ?, updated_at = ? WHERE " + match + " AND (route = 'session' OR route IS NULL) "
                + "AND status IN ('SENT', 'QUEUED')", now, errorCode, Jdbc.truncate(errorTitle, 200), Jdbc.truncate(errorDetails, 1000), now, wamid,
                callback) > 0) {
            return StatusOutcome.REROUTE;
        }
        String placeholders = from.stream().map(s -> "?").collect(Collectors.joining(", "));
        List<Object> values = new ArrayList<>();
        String set;
        if (status == Status.FAILED) {
            set = "status = 'FAILED', error_code = ?, error_title = ?, error_details = ?";
            values.addAll(Arrays.asList(errorCode, Jdbc.truncate(errorTitle, 200), Jdbc.truncate(errorDetails, 1000)));
        } else {
            set = "status = ?";
            values.add(status.name());
        }
        // a send whose outcome was unknown is settled here: the provider did get it; remember its wamid
        values.addAll(List.of(wamid, now, wamid, callback));
        from.forEach(s -> values.add(s.name()));
        int updated = update("UPDATE notification SET " + set + ", wamid = COALESCE(wamid, ?), "
                + "outcome_unknown_since = NULL, updated_at = ? WHERE " + match
                + " AND status IN (" + placeholders + ")", values.toArray());
        return updated > 0 ? StatusOutcome.APPLIED : StatusOutcome.IGNORED;
    }

    /** HELD notifications accepted at or before the cutoff become EXPIRED, in one statement. */
    public int expireHeld(Instant acceptedBefore, String reason) throws SQLException {
        return update("UPDATE notification SET status = 'EXPIRED', error_details = ?, updated_at = ? "
                + "WHERE status = 'HELD' AND created_at <= ?", reason, clock.instant(), acceptedBefore);
    }

    /** One statement in its own transaction, run again should the database roll it back for a deadlock. */
    private int update(String sql, Object... values) throws SQLException {
        return Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                Jdbc.bind(s, values);
                return s.executeUpdate();
            }
        });
    }

    private StoredNotification read(ResultSet rs) throws SQLException {
        String templateName = rs.getString("template_name");
        TemplateRef template = templateName == null ? null
                : templateFrom(templateName, rs.getString("template_language"), rs.getString("template_params"),
                        rs.getString("template_parts"));
        String category = rs.getString("category");
        Notification n = new Notification(rs.getString("id"), rs.getString("recipient"), rs.getString("body_text"),
                template, category == null ? null : Category.valueOf(category), Jdbc.instant(rs, "send_at"),
                rs.getString("source"));
        return new StoredNotification(n, Status.valueOf(rs.getString("status")), rs.getString("route"),
                rs.getString("wamid"), rs.getInt("attempts"), Jdbc.integer(rs, "error_code"),
                rs.getString("error_title"), rs.getString("error_details"), Jdbc.instant(rs, "created_at"),
                Jdbc.instant(rs, "updated_at"), Jdbc.instant(rs, "next_attempt_at"), rs.getString("lease_owner"),
                Jdbc.instant(rs, "outcome_unknown_since"), rs.getInt("retries"));
    }

    private String paramsJson(TemplateRef t) {
        try {
            return t.namedParams().isEmpty() ? json.writeValueAsString(t.positionalParams())
                    : json.writeValueAsString(t.namedParams());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise template parameters", e);
        }
    }

    /** The header and button parameters as JSON, or null when there are none. */
    private String partsJson(TemplateRef t) {
        if (t.header() == null && t.buttons().isEmpty() && t.typedParams().isEmpty()) {
            return null;
        }
        try {
            return json.writeValueAsString(new Parts(t.header(), t.buttons(), t.typedParams()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise template parts", e);
        }
    }

    /** The stored form of a template's header and button parameters. */
    private record Parts(TemplateRef.Header header, List<TemplateRef.Button> buttons,
            Map<String, TemplateRef.Typed> typed) {
    }

    private TemplateRef templateFrom(String name, String language, String params, String partsJson) {
        try {
            Parts parts = partsJson == null ? new Parts(null, List.of(), Map.of())
                    : json.readValue(partsJson, Parts.class);
            if (params == null || params.startsWith("[")) {
                return new TemplateRef(name, language, params == null ? List.of() : json.readValue(params, LIST),
                        Map.of(), parts.header(), parts.buttons(), parts.typed());
            }
            return new TemplateRef(name, language, List.of(), json.readValue(params, MAP), parts.header(),
                    parts.buttons(), parts.typed());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored template parameters of template " + name + " are not JSON", e);
        }
    }
}
