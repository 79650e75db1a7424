package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;

import javax.sql.DataSource;

/**
 * Locks shared by every node through the database (table cluster_lock): who processes a dropped file or a mail. A
 * lock is held while its owner keeps its heartbeat fresh; one whose heartbeat is older than {@code staleBefore} was
 * left by a dead node and may be taken over, by exactly one node (a conditional update). A finished lock has no
 * heartbeat and is never taken again.
 */
public final class ClusterLockStore {

    private final DataSource dataSource;
    private final Clock clock;

    public ClusterLockStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** The outcome of {@link #acquire}: acquired (new or taken over from a dead owner), or held by someone else. */
    public enum Acquired { NEW, TAKEN_OVER, REFUSED }

    /**
     * Takes the lock for {@code owner}: a new row, or an existing one whose heartbeat is older than {@code staleBefore}
     * (its owner died). Two nodes racing for the same key: the primary key lets one insert, and the conditional update
     * lets one take over.
     */
    public Acquired acquire(String name, String key, String owner, Instant staleBefore) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO cluster_lock (lock_name, lock_key, owner, "
                    + "heartbeat_at, created_at) VALUES (?, ?, ?, ?, ?)")) {
                Jdbc.bind(insert, name, key, owner, now, now);
                insert.executeUpdate();
                return Acquired.NEW;
            } catch (SQLException e) {
                if (!Jdbc.isUniqueViolation(e)) {
                    throw e;
                }
            }
            try (PreparedStatement takeOver = c.prepareStatement("UPDATE cluster_lock SET owner = ?, heartbeat_at = ? "
                    + "WHERE lock_name = ? AND lock_key = ? AND heartbeat_at < ?")) {
                Jdbc.bind(takeOver, owner, now, name, key, staleBefore);
                return takeOver.executeUpdate() == 1 ? Acquired.TAKEN_OVER : Acquired.REFUSED;
            }
        }
    }

    /** The owner of a lock left by a dead node, before {@link #acquire} takes it over (for the log), or null. */
    public String staleOwner(String name, String key, Instant staleBefore) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT owner FROM cluster_lock WHERE lock_name = ? "
                     + "AND lock_key = ? AND heartbeat_at < ?")) {
            Jdbc.bind(s, name, key, staleBefore);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Whether the lock is held (fresh heartbeat) or finished. */
    public boolean isTaken(String name, String key, Instant staleBefore) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT 1 FROM cluster_lock WHERE lock_name = ? AND lock_key = ? "
                     + "AND (heartbeat_at IS NULL OR heartbeat_at >= ?)")) {
            Jdbc.bind(s, name, key, staleBefore);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Keeps {@code owner}'s locks alive; returns how many rows were refreshed (a lock taken over is not). */
    public int heartbeat(String name, String owner, Collection<String> keys) throws SQLException {
        if (keys.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant();
        int refreshed = 0;
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE cluster_lock SET heartbeat_at = ? WHERE lock_name = ? "
                     + "AND lock_key = ? AND owner = ? AND heartbeat_at IS NOT NULL")) {
            for (String key : keys) {
                Jdbc.bind(s, now, name, key, owner);
                s.addBatch();
            }
            for (int count : s.executeBatch()) {
                refreshed += Math.max(count, 0);
            }
        }
        return refreshed;
    }

    /** Gives the lock up, so the key can be taken again (a file of the same name dropped later). */
    public boolean release(String name, String key, String owner) throws SQLException {
        return update("DELETE FROM cluster_lock WHERE lock_name = ? AND lock_key = ? AND owner = ?", name, key, owner)
                > 0;
    }

    /** Marks the lock done for good: no heartbeat, never taken over (a processed mail). */
    public boolean finish(String name, String key, String owner) throws SQLException {
        return update("UPDATE cluster_lock SET heartbeat_at = NULL WHERE lock_name = ? AND lock_key = ? AND owner = ?",
                name, key, owner) > 0;
    }

    /** How many locks of {@code name} are held: a heartbeat at or after {@code staleBefore}. */
    public int countHeld(String name, Instant staleBefore) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM cluster_lock WHERE lock_name = ? "
                     + "AND heartbeat_at >= ?")) {
            Jdbc.bind(s, name, staleBefore);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Removes the locks of {@code name} whose heartbeat stopped before {@code before} (their owners are long gone). */
    public int purgeStale(String name, Instant before) throws SQLException {
        return update("DELETE FROM cluster_lock WHERE lock_name = ? AND heartbeat_at < ?", name, before);
    }

    /** Removes every lock of {@code name}. */
    public void clear(String name) throws SQLException {
        update("DELETE FROM cluster_lock WHERE lock_name = ?", name);
    }

    private int update(String sql, Object... values) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            Jdbc.bind(s, values);
            return s.executeUpdate();
        }
    }
}
