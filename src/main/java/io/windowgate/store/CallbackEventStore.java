package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.sql.DataSource;

/**
 * The events for the source systems, the outbox of callback-delivery: status events are written by the database
 * itself in the transaction of each status change (migration V17.1), the others here. callback_event holds the events
 * still to be delivered and those that never will be (FAILED, GONE); one a receiver took moves to callback_sent (V21),
 * so the table every status change writes to stays small whatever the retention keeps.
 *
 * <p>Claims work like the notification outbox's ({@link OutboxClaims}): a lease per node, a conditional update, SKIP
 * LOCKED on PostgreSQL. An embedded HSQLDB serves one node, so there a claim is kept in memory instead of written to
 * the row: each write of an event row is logged whole by HSQLDB, and the lease's write was a third of an event's
 * writes. Should the node die, its claimed events are simply due at the restart. Only the first pending event of a
 * stream (one notification, one customer's messages, one window) is ever claimed, so a stream's events reach the
 * receiver in the order they happened, whichever node delivers them.
 */
public final class CallbackEventStore {

    /** Where an event is in its delivery. */
    public enum State { PENDING, SENT, FAILED, GONE }

    /** One event as stored; {@code gone}: the receiver answered 410 to an earlier event of its stream and URL. */
    public record Event(long id, String eventId, String type, String streamKey, String url, String notificationId,
            String status, String previousStatus, String route, String wamid, Integer errorCode, String errorTitle,
            String errorDetails, String source, String recipient, String businessNumber, Instant closesAt,
            String payload, Instant occurredAt, State state, int attempts, Instant retrySince, String lastError,
            boolean gone) {
    }

    /** An event written here rather than by the database: a customer's message, a window opening, a rejection. */
    public record NewEvent(String eventId, String type, String streamKey, String url, String notificationId,
            String status, String errorDetails, String source, String recipient, String businessNumber,
            Instant closesAt, String payload, Instant occurredAt) {
    }

    private static final String COLUMNS = "id, event_id, type, stream_key, url, notification_id, status, "
            + "previous_status, route, wamid, error_code, error_title, error_details, source, recipient, business_number, "
            + "closes_at, payload, occurred_at, state, attempts, retry_since, last_error";
    /**
     * An earlier event of the same stream to the same receiver was answered 410 Gone. The states here and in the claim
     * are bound, not written as literals: HSQLDB pads a VARCHAR value to a literal's CHAR type at every comparison,
     * which was a quarter of the claim's CPU.
     */
    private static final String GONE = "CASE WHEN EXISTS (SELECT 1 FROM callback_event g WHERE g.stream_key = "
            + "e.stream_key AND g.state = ? AND g.id < e.id AND COALESCE(g.url, '') = COALESCE(e.url, '')) "
            + "THEN 1 ELSE 0 END AS gone";

    private final DataSource dataSource;
    private final Dialect dialect;
    private final Clock clock;
    /** Whether claims are leases written to the rows (a database several nodes may share) or kept in {@link #held}. */
    private final boolean leases;
    /** Without leases: the events claimed and not settled yet, which a claim passes over. */
    private final Set<Long> held = ConcurrentHashMap.newKeySet();
    /**
     * Without leases: events settled (retried later, failed, stopped, handed back) since the last claim, committed
     * already; the next claim forgets them from {@link #held} before it reads, so it never sees a settled event as
     * claimable by a read that began before the settling committed.
     */
    private final Queue<Long> settled = new ConcurrentLinkedQueue<>();

    /** A store whose claims are leases in the database, for a database several nodes may share. */
    public CallbackEventStore(DataSource dataSource, Dialect dialect, Clock clock) {
        this(dataSource, dialect, clock, true);
    }

    /** {@code leases} false: the database serves this node alone (an embedded HSQLDB), claims are kept in memory. */
    public CallbackEventStore(DataSource dataSource, Dialect dialect, Clock clock, boolean leases) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.clock = clock;
        this.leases = leases;
    }

    /**
     * Whether every notification's status changes become events (callbacks.url is set) or only those of notifications
     * that name their own callbackUrl. Read by the database's triggers.
     */
    public void eventsForEveryNotification(boolean every) throws SQLException {
        update("UPDATE callback_switch SET default_url = ? WHERE id = 1", every);
    }

    /** Stores an event; false when one with its eventId is stored already (the same message or rejection again). */
    public boolean insert(NewEvent e) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return insert(c, e);
        }
    }

    private static boolean insert(Connection c, NewEvent e) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO callback_event (event_id, type, stream_key, url, "
                + "notification_id, status, error_details, source, recipient, business_number, closes_at, payload, "
                + "occurred_at, next_attempt_at, retry_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            Jdbc.bind(s, e.eventId(), e.type(), e.streamKey(), e.url(), e.notificationId(), e.status(),
                    Jdbc.truncate(e.errorDetails(), 1000), e.source(), e.recipient(), e.businessNumber(), e.closesAt(),
                    e.payload(), e.occurredAt(), e.occurredAt(), e.occurredAt());
            s.executeUpdate();
            return true;
        } catch (SQLException ex) {
            if (Jdbc.isUniqueViolation(ex)) {
                return false;
            }
            throw ex;
        }
    }

    /**
     * Claims for {@code owner} until {@code leaseUntil} up to {@code limit} due events, each the first pending event of
     * its stream, earliest due first, in one transaction. An event behind a pending one (claimed elsewhere, or waiting to be
     * retried) waits for it; this holds across nodes too, because the candidates are read with the earlier events they
     * wait for, locked or not.
     */
    public List<Event> claimDue(String owner, Instant leaseUntil, int limit) throws SQLException {
        return claimDue(owner, leaseUntil, limit, List.of());
    }

    /**
     * {@link #claimDue(String, Instant, int)}, after recording in the same transaction that the receivers took the
     * events {@code sent} (2xx): one commit for both, and the next events of those streams can be claimed at once.
     */
    public List<Event> claimDue(String owner, Instant leaseUntil, int limit, List<Event> sent) throws SQLException {
        Instant now = clock.instant();
        if (!leases) {
            for (Long id = settled.poll(); id != null; id = settled.poll()) {
                held.remove(id);
            }
        }
        List<Event> claimed = Jdbc.inTransaction(dataSource, c -> {
            if (!sent.isEmpty()) {
                writeSent(c, sent, now);
            }
            List<Event> candidates = new ArrayList<>();
            boolean skipLocked = dialect.skipLocked();
            // in the order of the due index, which the database then reads only as far as the limit: HSQLDB does so
            // only when the ORDER BY names the index's columns, state included (ordering by next_attempt_at alone, it
            // sorted every pending event at each claim: 70 ms a claim behind 20,000 events instead of 0.2 ms); the
            // order within a stream is the NOT EXISTS's. The events held in memory (embedded HSQLDB) are pending and
            // due, so the index reads them first: they are excluded before the stream's and the 410's subqueries,
            // which HSQLDB then skips for them (evaluating those for every event in flight was most of a claim).
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + ", " + GONE + " FROM callback_event e "
                    + "WHERE e.state = ? AND e.next_attempt_at <= ? "
                    + (leases ? "" : "AND " + dialect.notInArray("e.id") + " ")
                    + "AND NOT EXISTS (SELECT 1 FROM callback_event p WHERE p.stream_key = e.stream_key "
                    + "AND p.state = ? AND p.id < e.id) "
                    + "ORDER BY e.state, e.next_attempt_at LIMIT ?" + (skipLocked ? " FOR UPDATE OF e SKIP LOCKED" : ""))) {
                if (leases) {
                    Jdbc.bind(s, State.GONE.name(), State.PENDING.name(), now, State.PENDING.name(), limit);
                } else {
                    Jdbc.bind(s, State.GONE.name(), State.PENDING.name(), now,
                            c.createArrayOf("BIGINT", held.toArray()), State.PENDING.name(), limit);
                }
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(read(rs, rs.getInt("gone") == 1));
                    }
                }
            }
            if (!leases || candidates.isEmpty()) {
                return candidates;
            }
            List<Event> moved = new ArrayList<>();
            try (PreparedStatement move = c.prepareStatement("UPDATE callback_event SET lease_owner = ?, "
                    + "next_attempt_at = ? WHERE id = ? AND state = ? AND next_attempt_at <= ?")) {
                for (Event e : candidates) {
                    Jdbc.bind(move, owner, leaseUntil, e.id(), State.PENDING.name(), now);
                    move.addBatch();
                }
                int[] counts = move.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] != 0) {
                        moved.add(candidates.get(i));
                    }
                }
            }
            return moved;
        });
        if (!leases) {
            // the events recorded SENT above are no longer pending: the read did not return them
            sent.forEach(e -> held.remove(e.id()));
            claimed.forEach(e -> held.add(e.id()));
        }
        return claimed;
    }

    /** Without leases: the event is settled (its row says what next), so a later claim may read it again. */
    private void settle(long id) {
        if (!leases) {
            settled.add(id);
        }
    }

    private static Event read(ResultSet rs) throws SQLException {
        return read(rs, false);
    }

    private static Event read(ResultSet rs, boolean gone) throws SQLException {
        return new Event(rs.getLong("id"), rs.getString("event_id"), rs.getString("type"), rs.getString("stream_key"),
                rs.getString("url"), rs.getString("notification_id"), rs.getString("status"),
                rs.getString("previous_status"), rs.getString("route"), rs.getString("wamid"),
                Jdbc.integer(rs, "error_code"), rs.getString("error_title"), rs.getString("error_details"),
                rs.getString("source"), rs.getString("recipient"), rs.getString("business_number"),
                Jdbc.instant(rs, "closes_at"), rs.getString("payload"), Jdbc.instant(rs, "occurred_at"),
                State.valueOf(rs.getString("state").trim()), rs.getInt("attempts"), Jdbc.instant(rs, "retry_since"),
                rs.getString("last_error"), gone);
    }

    /** The receiver took the events (2xx): they move to callback_sent. */
    public void markSent(List<Event> taken) throws SQLException {
        if (taken.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Jdbc.inTransaction(dataSource, c -> {
            writeSent(c, taken, now);
            return null;
        });
        taken.forEach(e -> settle(e.id()));
    }

    /**
     * Moves the events a receiver took from callback_event to callback_sent (V21), as they were claimed: each is deleted
     * if still PENDING and written to callback_sent, so an event that changed meanwhile (stopped by a 410 on another
     * event of its stream) stays as it is, and one already moved (delivered twice after a lease ran out) is not moved
     * again. A claimed event's row does not change while it is claimed, so the claim's copy is the row.
     */
    private static void writeSent(Connection c, List<Event> taken, Instant now) throws SQLException {
        List<Event> moved = new ArrayList<>(taken.size());
        try (PreparedStatement s = c.prepareStatement("DELETE FROM callback_event WHERE id = ? AND state = ?")) {
            for (Event e : taken) {
                Jdbc.bind(s, e.id(), State.PENDING.name());
                s.addBatch();
            }
            int[] counts = s.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 0) {
                    moved.add(taken.get(i));
                }
            }
        }
        if (moved.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO callback_sent (id, event_id, type, stream_key, url, "
                + "notification_id, status, previous_status, route, wamid, error_code, error_title, error_details, "
                + "source, recipient, business_number, closes_at, payload, occurred_at, state, attempts, "
                + "next_attempt_at, retry_since, finished_at) VALUES (" + Jdbc.marks(24) + ")")) {
            for (Event e : moved) {
                Jdbc.bind(s, e.id(), e.eventId(), e.type(), e.streamKey(), e.url(), e.notificationId(), e.status(),
                        e.previousStatus(), e.route(), e.wamid(), e.errorCode(), e.errorTitle(), e.errorDetails(),
                        e.source(), e.recipient(), e.businessNumber(), e.closesAt(), e.payload(), e.occurredAt(),
                        State.SENT.name(), e.attempts() + 1, now, e.retrySince(), now);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** The attempt failed and is worth another: due again at {@code notBefore}, with what went wrong. */
    public void retryLater(long id, Instant notBefore, String error) throws SQLException {
        update("UPDATE callback_event SET next_attempt_at = ?, attempts = attempts + 1, lease_owner = NULL, "
                + "last_error = ? WHERE id = ? AND state = 'PENDING'", notBefore, Jdbc.truncate(error, 1000), id);
        settle(id);
    }

    /** Not attempted (the receiver's host is busy): due again at {@code notBefore}, attempts unchanged. */
    public void release(long id, Instant notBefore) throws SQLException {
        update("UPDATE callback_event SET next_attempt_at = ?, lease_owner = NULL WHERE id = ? AND state = 'PENDING'",
                notBefore, id);
        settle(id);
    }

    /** On a graceful stop: the events {@code owner} claimed and did not settle are due at once for the other nodes. */
    public int releaseClaims(String owner) throws SQLException {
        if (!leases) {
            int claims = held.size();
            held.clear();
            settled.clear();
            return claims;
        }
        return update("UPDATE callback_event SET lease_owner = NULL, next_attempt_at = ? WHERE lease_owner = ? "
                + "AND state = 'PENDING'", clock.instant(), owner);
    }

    /** Given up (callbacks.max-age passed, or the target is refused): FAILED with the reason, until retried. */
    public void markFailed(long id, boolean attempted, String error) throws SQLException {
        update("UPDATE callback_event SET state = 'FAILED', attempts = attempts + ?, lease_owner = NULL, "
                + "last_error = ?, finished_at = ? WHERE id = ? AND state = 'PENDING'", attempted ? 1 : 0,
                Jdbc.truncate(error, 1000), clock.instant(), id);
        settle(id);
    }

    /**
     * The receiver answered 410 Gone: this event and every pending one of its stream to the same receiver are not
     * sent; later ones are marked when they come up ({@link Event#gone()}). Returns how many were marked.
     */
    public int markGone(Event event, String why) throws SQLException {
        int marked = update("UPDATE callback_event SET state = 'GONE', lease_owner = NULL, last_error = ?, "
                + "finished_at = ? WHERE stream_key = ? AND state = 'PENDING' AND id >= ? AND COALESCE(url, '') = ?",
                Jdbc.truncate(why, 1000), clock.instant(), event.streamKey(), event.id(),
                event.url() == null ? "" : event.url());
        settle(event.id());
        return marked;
    }

    /**
     * The outcome of an attempt could not be recorded: the event is claimable again as it stands in the database (with
     * leases, once its lease ends; without, at the next claim).
     */
    public void unclaim(long id) {
        settle(id);
    }

    /** One page of the events in a state, oldest first: those after {@code afterId} (0 = from the start). */
    public List<Event> list(State state, long afterId, int limit) throws SQLException {
        List<Event> page = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM "
                     + (state == State.SENT ? "callback_sent" : "callback_event") + " WHERE state = ? AND id > ? "
                     + "ORDER BY id")) {
            s.setMaxRows(limit);
            Jdbc.bind(s, state.name(), afterId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    page.add(read(rs));
                }
            }
        }
        return page;
    }

    /**
     * The events of a stream, oldest first, delivered or not (for tests and support: the delivered ones are found by
     * reading every delivered event, since nothing else looks them up by stream).
     */
    public List<Event> stream(String streamKey) throws SQLException {
        List<Event> events = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM callback_event "
                     + "WHERE stream_key = ? UNION ALL SELECT " + COLUMNS + " FROM callback_sent WHERE stream_key = ? "
                     + "ORDER BY id")) {
            Jdbc.bind(s, streamKey, streamKey);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    events.add(read(rs));
                }
            }
        }
        return events;
    }

    /**
     * Puts FAILED events back to be sent now, with a fresh callbacks.max-age: those with these eventIds, or every
     * FAILED one when {@code eventIds} is empty. Returns how many.
     */
    public int retryFailed(List<String> eventIds) throws SQLException {
        Instant now = clock.instant();
        String set = "UPDATE callback_event SET state = 'PENDING', next_attempt_at = ?, retry_since = ?, "
                + "lease_owner = NULL, finished_at = NULL WHERE state = 'FAILED'";
        if (eventIds.isEmpty()) {
            return update(set, now, now);
        }
        return Jdbc.inTransaction(dataSource, c -> {
            int count = 0;
            try (PreparedStatement s = c.prepareStatement(set + " AND event_id = ?")) {
                for (String eventId : eventIds) {
                    Jdbc.bind(s, now, now, eventId);
                    count += s.executeUpdate();
                }
            }
            return count;
        });
    }

    /**
     * Records that the customer wrote to business number {@code number}: the window closes at {@code closesAt} (or
     * later, if a later message said so). When it was closed before (or never opened), {@code opened} is stored too, in
     * the same transaction; a repeated message (same eventId) is stored once. Returns whether the window opened.
     */
    public boolean windowOpened(String number, String recipient, Instant closesAt, NewEvent opened)
            throws SQLException {
        Instant now = clock.instant();
        return Jdbc.inTransaction(dataSource, c -> {
            Instant previous = null;
            boolean known = false;
            try (PreparedStatement s = c.prepareStatement("SELECT closes_at FROM callback_window "
                    + "WHERE business_number = ? AND recipient = ?")) {
                Jdbc.bind(s, number, recipient);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next()) {
                        known = true;
                        previous = Jdbc.instant(rs, "closes_at");
                    }
                }
            }
            if (!known) {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO callback_window (business_number, "
                        + "recipient, closes_at) VALUES (?, ?, ?)")) {
                    Jdbc.bind(s, number, recipient, closesAt);
                    s.executeUpdate();
                }
            } else if (previous.isBefore(closesAt)) {
                try (PreparedStatement s = c.prepareStatement("UPDATE callback_window SET closes_at = ? "
                        + "WHERE business_number = ? AND recipient = ? AND closes_at < ?")) {
                    Jdbc.bind(s, closesAt, number, recipient, closesAt);
                    s.executeUpdate();
                }
            }
            boolean opens = (!known || !previous.isAfter(now)) && closesAt.isAfter(now);
            return opens && insert(c, opened);
        });
    }

    /** What one window sweep announced. */
    public record WindowSweep(int closing, int closed) {
    }

    /**
     * Announces, set-based, the windows whose close minus {@code closingLead} (null: none) or whose close itself came
     * since the previous sweep: one indexed range of callback_window.closes_at each, however many windows are open.
     * Windows announced closed are forgotten, so the next message opens them again.
     */
    public WindowSweep sweepWindows(Duration closingLead) throws SQLException {
        Instant now = clock.instant();
        return Jdbc.inTransaction(dataSource, c -> {
            Instant closingUntil;
            Instant closedUntil;
            try (PreparedStatement s = c.prepareStatement("SELECT closing_until, closed_until FROM callback_window_mark "
                    + "WHERE id = 1"); ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("table callback_window_mark has no row: the database was not migrated by "
                            + "Flyway (migration V17 creates the row)");
                }
                closingUntil = Jdbc.instant(rs, "closing_until");
                closedUntil = Jdbc.instant(rs, "closed_until");
            }
            int closing = 0;
            Instant closingTo = closingUntil;
            if (closingLead != null) {
                closingTo = now.plus(closingLead);
                // a window already closing (say, after the lead grew) is announced once, by window.closed
                Instant from = closingUntil.isAfter(now) ? closingUntil : now;
                if (closingTo.isAfter(from)) {
                    closing = announce(c, "window.closing", from, closingTo, now);
                }
            }
            int closed = 0;
            if (now.isAfter(closedUntil)) {
                closed = announce(c, "window.closed", closedUntil, now, now);
                try (PreparedStatement s = c.prepareStatement("DELETE FROM callback_window WHERE closes_at <= ?")) {
                    Jdbc.bind(s, now);
                    s.executeUpdate();
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE callback_window_mark SET closing_until = ?, "
                    + "closed_until = ? WHERE id = 1 AND closed_until = ?")) {
                Jdbc.bind(s, closingTo.isAfter(closingUntil) ? closingTo : closingUntil,
                        now.isAfter(closedUntil) ? now : closedUntil, closedUntil);
                if (s.executeUpdate() != 1) {
                    // another sweep moved the marks meanwhile and announced these windows: undo ours
                    throw new SQLException("concurrent window sweep", "40001");
                }
            }
            return new WindowSweep(closing, closed);
        });
    }

    /**
     * Deletes the delivered events (SENT, and GONE: stopped by a 410) that finished before {@code before}, set-based in
     * chunks of {@code chunk} consecutive ids, each chunk its own transaction, at most {@code maxChunks} chunks in all.
     * Each table is walked up its primary key from the oldest event, and the walk stops at the first chunk that ends
     * with an event written at or after {@code before} (ids grow with the time events are written, and an event
     * finishes after it is written), so it needs no index of its own and reads only the old part of the table. PENDING
     * and FAILED events are never deleted here: a FAILED one waits for an operator's retry. Returns how many were
     * deleted.
     */
    public int pruneDelivered(Instant before, int chunk, int maxChunks) throws SQLException {
        int[] chunks = {maxChunks};
        int deleted = prune("callback_sent", "state = 'SENT'", before, chunk, chunks);
        return deleted + prune("callback_event", "state = 'GONE'", before, chunk, chunks);
    }

    private int prune(String table, String delivered, Instant before, int chunk, int[] chunksLeft)
            throws SQLException {
        int deleted = 0;
        long after = 0;
        for (; chunksLeft[0] > 0; chunksLeft[0]--) {
            long last = after;
            Instant lastWritten = null;
            int rows = 0;
            try (Connection c = dataSource.getConnection();
                 PreparedStatement s = c.prepareStatement("SELECT id, occurred_at FROM " + table + " WHERE id > ? "
                         + "ORDER BY id LIMIT ?")) {
                Jdbc.bind(s, after, chunk);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        last = rs.getLong("id");
                        lastWritten = Jdbc.instant(rs, "occurred_at");
                    }
                }
            }
            if (rows == 0) {
                break;
            }
            deleted += update("DELETE FROM " + table + " WHERE id > ? AND id <= ? AND " + delivered
                    + " AND finished_at < ?", after, last, before);
            if (rows < chunk || !lastWritten.isBefore(before)) {
                chunksLeft[0]--;
                break;
            }
            after = last;
        }
        return deleted;
    }

    /**
     * The provider closed a window before its time (it refused a free-form message with 131047): when the window was
     * announced open (it has a callback_window row closing after {@code closedAt}), window.closed is written now, with
     * {@code closedAt} as its close, in the caller's transaction, and the row is removed, so the sweep does not announce
     * it again and the customer's next message opens it anew. A row whose close the sweep's range already passed is
     * left to the sweep. Without callbacks.url (callback_switch) the row is removed and nothing is announced.
     */
    static void windowClosedEarly(Connection c, String number, String recipient, Instant closedAt, Instant now)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO callback_event (event_id, type, stream_key, "
                + "recipient, business_number, closes_at, occurred_at, next_attempt_at, retry_since) "
                + "SELECT ?, 'window.closed', 'w:' || w.business_number || ':' || w.recipient, w.recipient, "
                + "w.business_number, ?, ?, ?, ? FROM callback_window w, callback_switch s WHERE s.id = 1 "
                + "AND s.default_url AND w.business_number = ? AND w.recipient = ? AND w.closes_at > ?")) {
            Jdbc.bind(s, UUID.randomUUID().toString(), closedAt, now, now, now, number, recipient, closedAt);
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("DELETE FROM callback_window WHERE business_number = ? "
                + "AND recipient = ? AND closes_at > ?")) {
            Jdbc.bind(s, number, recipient, closedAt);
            s.executeUpdate();
        }
    }

    private int announce(Connection c, String type, Instant after, Instant until, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO callback_event (event_id, type, stream_key, "
                + "recipient, business_number, closes_at, occurred_at, next_attempt_at, retry_since) "
                + "SELECT " + dialect.randomUuid() + ", ?, 'w:' || business_number || ':' || recipient, recipient, "
                + "business_number, closes_at, ?, ?, ? FROM callback_window WHERE closes_at > ? AND closes_at <= ?")) {
            Jdbc.bind(s, type, now, now, now, after, until);
            return s.executeUpdate();
        }
    }

    private int update(String sql, Object... values) throws SQLException {
        return Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                Jdbc.bind(s, values);
                return s.executeUpdate();
            }
        });
    }
}
