package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import io.windowgate.store.DeliveryRecords.StatusChange;
import io.windowgate.store.DeliveryRecords.StatusOutcome;

/**
 * The webhook inbox (table webhook_inbox): signed webhook bodies stored before they are answered, and applied later in
 * arrival order. Appends of concurrent webhooks share one transaction ({@link GroupCommit}); the applier reads rows in
 * id order and deletes each in the transaction that applies it, where the changes allow that.
 */
public final class WebhookInboxStore {

    /** Any number fits; it names the applier's PostgreSQL advisory lock, so it must be the same on every node. */
    private static final long APPLIER_LOCK = 0x7767_7769_6E62_6F78L;

    private final DataSource dataSource;
    private final Dialect dialect;
    private final Clock clock;
    private final DeliveryRecords records;
    private final GroupCommit<String> appends = new GroupCommit<>(this::insert);
    private final ReentrantLock applier = new ReentrantLock();

    public WebhookInboxStore(DataSource dataSource, Dialect dialect, Clock clock, DeliveryRecords records) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.clock = clock;
        this.records = records;
    }

    /** A stored body waiting to be applied. */
    public record Row(long id, Instant receivedAt, String body, int attempts) {
    }

    /** Work done while holding the applier's lock. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Stores a body; returns once it is committed. Bodies that other threads append meanwhile share the transaction
     * and its disk sync.
     */
    public void append(String body) throws SQLException {
        appends.submit(body);
    }

    private void insert(List<String> bodies) throws SQLException {
        Instant now = clock.instant();
        Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO webhook_inbox (received_at, body) VALUES (?, ?)")) {
                for (String body : bodies) {
                    Jdbc.bind(s, now, body);
                    s.addBatch();
                }
                s.executeBatch();
            }
            return null;
        });
    }

    /**
     * Runs {@code work} as the only applier of the inbox: in this process (the route and a direct call never overlap)
     * and, on PostgreSQL, among all nodes, through an advisory lock held by a transaction left open meanwhile. Returns
     * null without running it when another node applies at the moment: its applier reads the rows to the end.
     */
    public <T> T exclusively(Work<T> work) throws SQLException {
        applier.lock();
        try {
            if (dialect != Dialect.POSTGRESQL) {
                return work.run();
            }
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
                        s.setLong(1, APPLIER_LOCK);
                        try (ResultSet rs = s.executeQuery()) {
                            if (!rs.next() || !rs.getBoolean(1)) {
                                return null;
                            }
                        }
                    }
                    return work.run();
                } finally {
                    // ends the transaction, and with it the lock
                    c.rollback();
                    c.setAutoCommit(true);
                }
            }
        } finally {
            applier.unlock();
        }
    }

    /** Up to {@code limit} rows after {@code afterId}, in id order (arrival order). */
    public List<Row> next(long afterId, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT id, received_at, body, attempts FROM webhook_inbox "
                     + "WHERE id > ? ORDER BY id" + (dialect == Dialect.POSTGRESQL ? " LIMIT ?" : ""))) {
            s.setMaxRows(limit);
            s.setLong(1, afterId);
            if (dialect == Dialect.POSTGRESQL) {
                s.setInt(2, limit);
            }
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getLong("id"), Jdbc.instant(rs, "received_at"), rs.getString("body"),
                            rs.getInt("attempts")));
                }
            }
            return rows;
        }
    }

    /**
     * Applies the statuses of the given rows as one batch and deletes the rows, in one transaction: after a crash
     * either both happened or neither. Returns each status's outcome.
     */
    public StatusOutcome[] applyStatuses(List<Long> rowIds, List<StatusChange> changes) throws SQLException {
        return Jdbc.inTransaction(dataSource, c -> {
            StatusOutcome[] outcomes = records.applyStatuses(c, changes);
            delete(c, rowIds);
            return outcomes;
        });
    }

    /** Deletes a row applied by other means (its changes committed by then: a repeat after a crash is harmless). */
    public void remove(long rowId) throws SQLException {
        Jdbc.inTransaction(dataSource, c -> {
            delete(c, List.of(rowId));
            return null;
        });
    }

    /** A row whose apply failed stays for the next poll, with the count of failures and the last error. */
    public void failed(long rowId, String error) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE webhook_inbox SET attempts = attempts + 1, "
                     + "last_error = ? WHERE id = ?")) {
            Jdbc.bind(s, Jdbc.truncate(error, 1000), rowId);
            s.executeUpdate();
        }
    }

    /** Rows waiting to be applied. */
    public long waiting() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM webhook_inbox");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void delete(Connection c, List<Long> rowIds) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM webhook_inbox WHERE id = ?")) {
            for (long id : rowIds) {
                s.setLong(1, id);
                s.addBatch();
            }
            s.executeBatch();
        }
    }
}
