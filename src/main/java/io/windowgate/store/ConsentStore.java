package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.windowgate.notification.Category;

/**
 * Consent in the database: opt-ins with their evidence (consent), and the customer's marketing stop/resume
 * (marketing_preference). An opt-in's scope is a category or ALL.
 */
public final class ConsentStore {

    public static final String ALL = "ALL";

    private final DataSource dataSource;
    private final Clock clock;

    public ConsentStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    public record OptIn(String recipient, String scope, String source, String evidence, Instant optedInAt,
            Instant recordedAt) {
    }

    /** The customer's latest marketing choice: STOPPED or RESUMED. */
    public record MarketingPreference(String recipient, String state, String source, Instant changedAt) {

        public boolean stopped() {
            return "STOPPED".equals(state);
        }
    }

    /** Records an opt-in; a later one for the same scope replaces the evidence of an earlier one. */
    public void recordOptIn(String recipient, String scope, String source, String evidence, Instant optedInAt)
            throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement update = c.prepareStatement("UPDATE consent SET source = ?, evidence = ?, "
                    + "opted_in_at = ?, recorded_at = ? WHERE recipient = ? AND scope = ? AND opted_in_at <= ?")) {
                Jdbc.bind(update, source, Jdbc.truncate(evidence, 1000), optedInAt, now, recipient, scope, optedInAt);
                if (update.executeUpdate() > 0) {
                    return;
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO consent (recipient, scope, source, "
                    + "evidence, opted_in_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                Jdbc.bind(insert, recipient, scope, source, Jdbc.truncate(evidence, 1000), optedInAt, now);
                insert.executeUpdate();
            } catch (SQLException e) {
                if (!Jdbc.isUniqueViolation(e)) {
                    throw e; // else an opt-in at least as recent is already on record
                }
            }
        }
    }

    /** Whether the recipient opted in to this category (or to everything). */
    public boolean hasOptIn(String recipient, Category category) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM consent WHERE recipient = ? "
                     + "AND scope IN (?, ?)")) {
            Jdbc.bind(s, recipient, ALL, category == null ? ALL : category.name());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getInt(1) > 0;
            }
        }
    }

    public List<OptIn> optIns(String recipient) throws SQLException {
        List<OptIn> found = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT recipient, scope, source, evidence, opted_in_at, "
                     + "recorded_at FROM consent WHERE recipient = ? ORDER BY scope")) {
            Jdbc.bind(s, recipient);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(new OptIn(rs.getString("recipient"), rs.getString("scope"), rs.getString("source"),
                            rs.getString("evidence"), Jdbc.instant(rs, "opted_in_at"), Jdbc.instant(rs, "recorded_at")));
                }
            }
        }
        return found;
    }

    /**
     * Records a marketing stop or resume at {@code at}; an older event than the one on record changes nothing
     * (webhooks arrive out of order). Returns true when the preference changed.
     */
    public boolean setMarketing(String recipient, boolean stopped, String source, Instant at) throws SQLException {
        String state = stopped ? "STOPPED" : "RESUMED";
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement update = c.prepareStatement("UPDATE marketing_preference SET state = ?, source = ?, "
                    + "changed_at = ? WHERE recipient = ? AND changed_at <= ?")) {
                Jdbc.bind(update, state, source, at, recipient, at);
                if (update.executeUpdate() > 0) {
                    return true;
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO marketing_preference (recipient, state, "
                    + "source, changed_at) VALUES (?, ?, ?, ?)")) {
                Jdbc.bind(insert, recipient, state, source, at);
                insert.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (Jdbc.isUniqueViolation(e)) {
                    return false; // a newer choice is on record
                }
                throw e;
            }
        }
    }

    public MarketingPreference marketing(String recipient) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT recipient, state, source, changed_at "
                     + "FROM marketing_preference WHERE recipient = ?")) {
            Jdbc.bind(s, recipient);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? new MarketingPreference(rs.getString("recipient"), rs.getString("state"),
                        rs.getString("source"), Jdbc.instant(rs, "changed_at")) : null;
            }
        }
    }
}
