package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;

import javax.sql.DataSource;

/**
 * Whether sending is paused (after an account-level provider error), in the database so that a restart or another node
 * sees the same pause. A pause ends at its {@code pausedUntil} or when an operator resumes.
 */
public final class SendingStateStore {

    private static final String NAME = "whatsapp";

    private final DataSource dataSource;
    private final Clock clock;

    public SendingStateStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** A pause as stored; {@code until} may lie in the past (the pause is over). */
    public record Pause(Instant until, Integer errorCode, String reason, Instant pausedAt) {

        public boolean activeAt(Instant now) {
            return until != null && until.isAfter(now);
        }
    }

    /** The latest pause, or null when sending was never paused or was resumed. */
    public Pause current() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT paused_until, error_code, reason, paused_at "
                     + "FROM sending_state WHERE name = ?")) {
            Jdbc.bind(s, NAME);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next() || Jdbc.instant(rs, "paused_until") == null) {
                    return null;
                }
                return new Pause(Jdbc.instant(rs, "paused_until"), Jdbc.integer(rs, "error_code"),
                        rs.getString("reason"), Jdbc.instant(rs, "paused_at"));
            }
        }
    }

    /** Pauses sending until {@code until}; a longer pause already in force is kept. Returns the pause in force. */
    public Pause pause(Instant until, Integer errorCode, String reason) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE sending_state SET paused_until = ?, error_code = ?, "
                     + "reason = ?, paused_at = CASE WHEN paused_until IS NULL OR paused_until <= ? THEN ? "
                     + "ELSE paused_at END, updated_at = ? "
                     + "WHERE name = ? AND (paused_until IS NULL OR paused_until < ?)")) {
            Jdbc.bind(s, until, errorCode, Jdbc.truncate(reason, 1000), now, now, now, NAME, until);
            s.executeUpdate();
        }
        return current();
    }

    /** Ends any pause now. Returns true when a pause was in force. */
    public boolean resume() throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE sending_state SET paused_until = NULL, updated_at = ? "
                     + "WHERE name = ? AND paused_until > ?")) {
            Jdbc.bind(s, now, NAME, now);
            return s.executeUpdate() > 0;
        }
    }
}
