package io.windowgate.store;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        return price(new Pricing(wamid, notificationId, category, pricingType, billable, pricingModel));
    }

    /** Meta's pricing of one message, from a status webhook. */
    public record Pricing(String wamid, String notificationId, String category, String pricingType, boolean billable,
            String pricingModel) {
    }

    private static final String REPLACE_ESTIMATE = "UPDATE message_cost SET category = ?, pricing_type = ?, "
            + "billable = ?, pricing_model = ?, source = 'WEBHOOK', updated_at = ? WHERE wamid = ? AND source = 'ESTIMATE'";
    private static final String INSERT_PRICED = "INSERT INTO message_cost (wamid, notification_id, day, category, "
            + "pricing_type, billable, pricing_model, source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'WEBHOOK', ?)";
    /** The most wamids one IN list binds. */
    private static final int IN_LIST = 200;

    private static void bindReplace(PreparedStatement update, Pricing p, Instant now) throws SQLException {
        Jdbc.bind(update, p.category(), p.pricingType(), p.billable(), p.pricingModel(), now, p.wamid());
    }

    private static void bindInsert(PreparedStatement insert, Pricing p, Instant now) throws SQLException {
        Jdbc.bind(insert, p.wamid(), p.notificationId(), LocalDate.ofInstant(now, ZoneOffset.UTC), p.category(),
                p.pricingType(), p.billable(), p.pricingModel(), now);
    }

    private boolean price(Pricing p) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement update = c.prepareStatement(REPLACE_ESTIMATE)) {
                bindReplace(update, p, now);
                if (update.executeUpdate() > 0) {
                    return true;
                }
            }
            try (PreparedStatement insert = c.prepareStatement(INSERT_PRICED)) {
                bindInsert(insert, p, now);
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

    /**
     * Meta's pricing of many messages (the statuses of a batch of webhooks) in one transaction and a few statements
     * however many there are: estimates replaced in one batch, messages without a row found in one query and inserted
     * in another batch, messages Meta priced already left as they are. A message named more than once counts its
     * first pricing, as {@link #price} keeps the first. Returns the pricings stored now, each message once.
     */
    public List<Pricing> priceAll(List<Pricing> pricings) throws SQLException {
        Map<String, Pricing> first = new LinkedHashMap<>();
        for (Pricing p : pricings) {
            first.putIfAbsent(p.wamid(), p);
        }
        if (first.isEmpty()) {
            return List.of();
        }
        List<Pricing> distinct = new ArrayList<>(first.values());
        Instant now = clock.instant();
        try {
            return Jdbc.inTransaction(dataSource, c -> priceAll(c, distinct, now));
        } catch (SQLException e) {
            if (!Jdbc.isUniqueViolation(e) && !(e instanceof BatchUpdateException)) {
                throw e;
            }
        }
        // a send recorded its estimate between the query and the insert: one by one, each its own answer
        List<Pricing> stored = new ArrayList<>();
        for (Pricing p : distinct) {
            if (price(p)) {
                stored.add(p);
            }
        }
        return stored;
    }

    private static List<Pricing> priceAll(Connection c, List<Pricing> distinct, Instant now) throws SQLException {
        List<Pricing> stored = new ArrayList<>();
        List<Pricing> notEstimated = new ArrayList<>();
        try (PreparedStatement update = c.prepareStatement(REPLACE_ESTIMATE)) {
            for (Pricing p : distinct) {
                bindReplace(update, p, now);
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            for (int i = 0; i < distinct.size(); i++) {
                (counts[i] > 0 ? stored : notEstimated).add(distinct.get(i));
            }
        }
        if (notEstimated.isEmpty()) {
            return stored;
        }
        Set<String> priced = existing(c, notEstimated);
        try (PreparedStatement insert = c.prepareStatement(INSERT_PRICED)) {
            for (Pricing p : notEstimated) {
                if (!priced.contains(p.wamid())) {
                    bindInsert(insert, p, now);
                    insert.addBatch();
                    stored.add(p);
                }
            }
            insert.executeBatch();
        }
        return stored;
    }

    /** The wamids of {@code pricings} that have a row. */
    private static Set<String> existing(Connection c, List<Pricing> pricings) throws SQLException {
        Set<String> found = new HashSet<>();
        for (int from = 0; from < pricings.size(); from += IN_LIST) {
            List<Pricing> chunk = pricings.subList(from, Math.min(pricings.size(), from + IN_LIST));
            try (PreparedStatement s = c.prepareStatement("SELECT wamid FROM message_cost WHERE wamid IN ("
                    + Jdbc.marks(chunk.size()) + ")")) {
                Jdbc.bind(s, chunk.stream().map(Pricing::wamid).toArray());
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        found.add(rs.getString(1));
                    }
                }
            }
        }
        return found;
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
