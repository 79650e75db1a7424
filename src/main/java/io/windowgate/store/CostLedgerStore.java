package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/**
 * The cost ledger (message_cost): one row per sent message (wamid). Windowgate writes an estimate when the provider
 * accepts the message; the pricing object of the first status webhook that carries one replaces it, because that is
 * Meta's own billing decision.
 */
public final class CostLedgerStore {

    private final DataSource dataSource;
    private final Clock clock;

    public CostLedgerStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** Totals of one day and category. */
    public record Usage(LocalDate day, String category, long messages, long billable, long free, long estimated) {
    }

    /** What a message is estimated to cost when it is sent (per-message pricing), before Meta's webhook says. */
    public record Estimate(String category, String pricingType, boolean billable) {
    }

    /** The estimate at send time; never replaces Meta's pricing. */
    public void estimate(String wamid, String notificationId, Estimate estimate) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            insertEstimate(c, wamid, notificationId, estimate, clock.instant());
        }
    }

    /**
     * Inserts the estimate on the caller's connection (in its transaction: NotificationStore.markSent records the send
     * and its estimate with one commit). Meta's pricing, or an earlier estimate, already there is kept: the insert is
     * undone to a savepoint, so the caller's transaction goes on (PostgreSQL would otherwise abort it).
     */
    static void insertEstimate(Connection c, String wamid, String notificationId, Estimate estimate, Instant now)
            throws SQLException {
        java.sql.Savepoint savepoint = c.getAutoCommit() ? null : c.setSavepoint();
        try (PreparedStatement s = c.prepareStatement("INSERT INTO message_cost (wamid, notification_id, day, "
                + "category, pricing_type, billable, pricing_model, source, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'PMP', "
                + "'ESTIMATE', ?)")) {
            Jdbc.bind(s, wamid, notificationId, LocalDate.ofInstant(now, ZoneOffset.UTC), estimate.category(),
                    estimate.pricingType(), estimate.billable(), now);
            s.executeUpdate();
        } catch (SQLException e) {
            if (!Jdbc.isUniqueViolation(e)) {
                throw e;
            }
            if (savepoint != null) {
                c.rollback(savepoint);
            }
        }
    }

    /**
     * Meta's pricing from a status webhook. Returns true the first time a message is priced by Meta (so that counters
     * count each message once, however many statuses repeat the pricing).
     */
    public boolean price(String wamid, String notificationId, String category, String pricingType, boolean billable,
            String pricingModel) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement update = c.prepareStatement("UPDATE message_cost SET category = ?, pricing_type = ?, "
                    + "billable = ?, pricing_model = ?, source = 'WEBHOOK', updated_at = ? "
                    + "WHERE wamid = ? AND source = 'ESTIMATE'")) {
                Jdbc.bind(update, category, pricingType, billable, pricingModel, now, wamid);
                if (update.executeUpdate() > 0) {
                    return true;
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO message_cost (wamid, notification_id, day, "
                    + "category, pricing_type, billable, pricing_model, source, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, 'WEBHOOK', ?)")) {
                Jdbc.bind(insert, wamid, notificationId, LocalDate.ofInstant(now, ZoneOffset.UTC), category,
                        pricingType, billable, pricingModel, now);
                insert.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (Jdbc.isUniqueViolation(e)) {
                    return false; // already priced by an earlier status
                }
                throw e;
            }
        }
    }

    /** Totals per day and category for the days from {@code from} to {@code to}, both included. */
    public List<Usage> usage(LocalDate from, LocalDate to) throws SQLException {
        List<Usage> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT day, category, COUNT(*) AS messages, "
                     + "SUM(CASE WHEN billable THEN 1 ELSE 0 END) AS billable, "
                     + "SUM(CASE WHEN source = 'ESTIMATE' THEN 1 ELSE 0 END) AS estimated "
                     + "FROM message_cost WHERE day >= ? AND day <= ? GROUP BY day, category ORDER BY day, category")) {
            Jdbc.bind(s, from, to);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long messages = rs.getLong("messages");
                    long billable = rs.getLong("billable");
                    rows.add(new Usage(rs.getObject("day", LocalDate.class), rs.getString("category"), messages,
                            billable, messages - billable, rs.getLong("estimated")));
                }
            }
        }
        return rows;
    }
}
