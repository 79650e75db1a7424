package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.notification.TemplateRef;

/**
 * The notifications as the sources store them and the API reads them: the idempotency record (the id is the primary
 * key), lookups and listings, and the set-based moves between statuses (releasing HELD or SCHEDULED ones, expiring,
 * an operator's requeue). The outbox's claims are {@link OutboxClaims}; what each send did is {@link DeliveryRecords}.
 */
public final class NotificationStore {

    private final DataSource dataSource;
    private final Clock clock;
    private final NotificationRows rows;

    public NotificationStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.rows = new NotificationRows(dataSource);
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

    private static final String INSERT = "INSERT INTO notification (" + NotificationRows.COLUMNS + ") "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, NULL, NULL, NULL, ?, ?, ?, ?, NULL, 0, ?, ?, ?, ?)";

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
                t == null ? null : rows.paramsJson(t), n.category() == null ? null : n.category().name(), n.sendAt(),
                n.source(), status.name(), now, now, nextAttemptAt, leaseOwner, t == null ? null : rows.partsJson(t),
                n.sender(), n.callbackUrl(), rows.mediaJson(n.media()));
    }

    /**
     * Stores a chunk of new notifications in one transaction (bulk sources: one commit, so one disk sync, per chunk
     * instead of per row). Each QUEUED one is claimed for {@code leaseOwner} until {@code leaseUntil}, or with a null
     * {@code leaseOwner} left to the outbox, due now; SCHEDULED ones wait for their sendAt. Returns, per notification,
     * whether it was new (false: its id was already stored, or appears earlier in the chunk). Should another writer
     * store one of the ids meanwhile, the chunk is stored row by row instead, with the same answer.
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
                            bindInsert(s, n, statuses.get(i), queued ? leaseOwner : null,
                                    queued ? dueAt(leaseOwner, leaseUntil, now) : null, now);
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
            inserted[i] = insert(chunk.get(i), statuses.get(i), queued ? leaseOwner : null,
                    queued ? dueAt(leaseOwner, leaseUntil, clock.instant()) : null);
        }
        return inserted;
    }

    /** When a new QUEUED row is due: when its claim ends, or now when nobody claimed it (the outbox sends it). */
    private static Instant dueAt(String leaseOwner, Instant leaseUntil, Instant now) {
        return leaseOwner == null ? now : leaseUntil;
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
             PreparedStatement s = c.prepareStatement("SELECT " + NotificationRows.COLUMNS + " FROM notification WHERE id = ?")) {
            Jdbc.bind(s, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rows.read(rs) : null;
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
     * A template was unpaused (approved again): its HELD notifications go back into the outbox, oldest first. Returns
     * how many.
     */
    public int releaseHeldForTemplate(String name, String language) throws SQLException {
        return rows.update("UPDATE notification SET status = 'QUEUED', next_attempt_at = created_at, lease_owner = NULL, "
                + "hold_reason = NULL, updated_at = ? WHERE status = 'HELD' AND hold_reason = 'TEMPLATE' "
                + "AND template_name = ? AND template_language = ?", clock.instant(), name, language);
    }

    /** As {@link #releaseHeld(String, String)}, for the notifications from the default business number. */
    public int releaseHeld(String recipient) throws SQLException {
        return releaseHeld(io.windowgate.notification.BusinessNumbers.DEFAULT, recipient);
    }

    /**
     * Puts the recipient's notifications from business number {@code sender} HELD for a closed window back into the
     * outbox, due at once and in the order they arrived: the recipient opened that number's window, not the others'.
     * Returns how many were released.
     */
    public int releaseHeld(String sender, String recipient) throws SQLException {
        return rows.update("UPDATE notification SET status = 'QUEUED', next_attempt_at = created_at, lease_owner = NULL, "
                + "hold_reason = NULL, updated_at = ? WHERE recipient = ? AND status = 'HELD' AND sender = ? "
                + "AND (hold_reason IS NULL OR hold_reason = 'WINDOW')", clock.instant(), recipient, sender);
    }

    /**
     * Puts every SCHEDULED notification whose sendAt has come into the outbox, due at its sendAt (so the earliest goes
     * first), in one statement. Overdue ones (the service was down at their time) are included. Returns how many.
     */
    public int releaseDue() throws SQLException {
        Instant now = clock.instant();
        return rows.update("UPDATE notification SET status = 'QUEUED', next_attempt_at = send_at, lease_owner = NULL, "
                + "updated_at = ? WHERE status = 'SCHEDULED' AND send_at <= ?", now, now);
    }

    /**
     * Sending was resumed before the pause ended: everything waiting no later than {@code pausedUntil} is due now. Sends
     * whose outcome is unknown keep waiting for their status webhook, and claims in progress are left alone.
     */
    public int dueNow(Instant pausedUntil) throws SQLException {
        Instant now = clock.instant();
        return rows.update("UPDATE notification SET next_attempt_at = ? WHERE status = 'QUEUED' AND next_attempt_at > ? "
                + "AND next_attempt_at <= ? AND outcome_unknown_since IS NULL AND lease_owner IS NULL",
                now, now, pausedUntil);
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
        return rows.update("UPDATE notification SET status = 'QUEUED', next_attempt_at = ?, lease_owner = NULL, "
                + "retries = 0, outcome_unknown_since = NULL, updated_at = ? WHERE status = 'FAILED'"
                + (errorCode == null ? "" : " AND error_code = ?"),
                errorCode == null ? new Object[] {now, now} : new Object[] {now, now, errorCode});
    }

    /** One page of the notifications with a status, by id: those after {@code afterId} (null = from the start). */
    public List<StoredNotification> list(Status status, Integer errorCode, String afterId, int limit)
            throws SQLException {
        List<Object> values = new ArrayList<>(List.of(status.name(), afterId == null ? "" : afterId));
        String sql = "SELECT " + NotificationRows.COLUMNS + " FROM notification WHERE status = ? AND id > ?";
        if (errorCode != null) {
            sql += " AND error_code = ?";
            values.add(errorCode);
        }
        List<StoredNotification> page = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(sql + " ORDER BY status, id")) {
            s.setMaxRows(limit);
            Jdbc.bind(s, values.toArray());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    page.add(rows.read(rs));
                }
            }
        }
        return page;
    }

    /** The notification a status webhook names: by the wamid of its latest send, or by its id while none is stored. */
    public StoredNotification findForStatus(String wamid, String callbackId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + NotificationRows.COLUMNS + " FROM notification "
                     + "WHERE wamid = ? OR (wamid IS NULL AND id = ?)")) {
            Jdbc.bind(s, wamid, callbackId == null ? "" : callbackId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rows.read(rs) : null;
            }
        }
    }

    /** What a cancel did: whether the notification is now CANCELLED, else its status (null: no such id). */
    public record Cancel(boolean cancelled, Status status) {
    }

    /**
     * Cancels a notification that has not been sent: SCHEDULED, HELD, or QUEUED and not in flight (no live claim, no
     * send whose outcome is unknown). One conditional update: a sender claims only QUEUED rows and renews its claim only
     * while the row is QUEUED, so against a send either the cancel wins (nothing is sent) or the claim does (the cancel
     * finds it in flight), never both.
     */
    public Cancel cancel(String id) throws SQLException {
        Instant now = clock.instant();
        int updated = rows.update("UPDATE notification SET status = 'CANCELLED', lease_owner = NULL, "
                + "next_attempt_at = NULL, hold_reason = NULL, updated_at = ? WHERE id = ? AND (status IN ('SCHEDULED', "
                + "'HELD') OR (status = 'QUEUED' AND outcome_unknown_since IS NULL AND (lease_owner IS NULL "
                + "OR next_attempt_at <= ?)))", now, id, now);
        if (updated == 1) {
            return new Cancel(true, Status.CANCELLED);
        }
        StoredNotification stored = find(id);
        return new Cancel(false, stored == null ? null : stored.status());
    }

    /** HELD notifications accepted at or before the cutoff become EXPIRED, in one statement. */
    public int expireHeld(Instant acceptedBefore, String reason) throws SQLException {
        return rows.update("UPDATE notification SET status = 'EXPIRED', error_details = ?, updated_at = ? "
                + "WHERE status = 'HELD' AND created_at <= ?", reason, clock.instant(), acceptedBefore);
    }

}
