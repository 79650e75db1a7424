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

import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.Notification;

/**
 * The customer service windows in the database, one per (business number, customer): a customer who writes to one of
 * the business's numbers opens a window on that number only. A window only ever moves forward: a late or repeated
 * webhook with an older timestamp leaves it as it is. Numbers are named by alias (BusinessNumbers); the methods without
 * one are the default number's.
 */
public final class SessionWindowStore {

    /**
     * A window as stored: {@code state} is OPEN, EXPIRED (by the sweep's watermark) or CLOSED (the provider said so).
     */
    public record Window(String businessNumber, String recipient, Instant lastInboundAt, String lastInboundWamid,
            String state) {
    }

    private final DataSource dataSource;
    private final Clock clock;

    public SessionWindowStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /**
     * The instant of the recipient's latest inbound message, or null when the recipient never wrote in or the provider
     * said since that the window is closed.
     */
    public Instant lastInboundAt(String recipient) throws SQLException {
        return lastInboundAt(BusinessNumbers.DEFAULT, recipient);
    }

    /** As {@link #lastInboundAt(String)}, for the window of the business number {@code number} (an alias). */
    public Instant lastInboundAt(String number, String recipient) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT last_inbound_at FROM session_window "
                     + "WHERE business_number = ? AND recipient = ? AND state <> 'CLOSED'")) {
            Jdbc.bind(s, number, recipient);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Jdbc.instant(rs, "last_inbound_at") : null;
            }
        }
    }

    /**
     * As {@link #lastInboundAt(String, String)}, for the window a notification is sent in: its business number and
     * recipient. One argument for the route, so that it does not call the notification's accessors through expressions
     * (each such call copies the exchange).
     */
    public Instant lastInboundOf(Notification n) throws SQLException {
        return lastInboundAt(n.sender(), n.to());
    }

    /** Every window of the customer {@code recipient}, one per business number they wrote to, by number alias. */
    public List<Window> windowsOf(String recipient) throws SQLException {
        List<Window> found = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT business_number, recipient, last_inbound_at, "
                     + "last_inbound_wamid, state FROM session_window_status WHERE recipient = ? "
                     + "ORDER BY business_number")) {
            Jdbc.bind(s, recipient);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(new Window(rs.getString("business_number"), rs.getString("recipient"),
                            Jdbc.instant(rs, "last_inbound_at"), rs.getString("last_inbound_wamid"),
                            rs.getString("state").trim()));
                }
            }
        }
        return found;
    }

    /**
     * Records an inbound message: opens the window or moves it forward to {@code at}.
     *
     * @return true when the window moved (a new window or a later message), false for a stale or repeated message
     */
    public boolean recordInbound(String recipient, Instant at, String wamid) throws SQLException {
        return recordInbound(BusinessNumbers.DEFAULT, recipient, at, wamid);
    }

    /** As {@link #recordInbound(String, Instant, String)}, for a message to the business number {@code number}. */
    public boolean recordInbound(String number, String recipient, Instant at, String wamid) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            if (moveForward(c, number, recipient, at, wamid, now)) {
                return true;
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO session_window (business_number, "
                    + "recipient, last_inbound_at, last_inbound_wamid, state, updated_at) VALUES (?, ?, ?, ?, 'OPEN', ?)")) {
                Jdbc.bind(insert, number, recipient, at, wamid, now);
                insert.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (!Jdbc.isUniqueViolation(e)) {
                    throw e;
                }
                // another webhook created the row meanwhile; ours may still be the later message
                return moveForward(c, number, recipient, at, wamid, now);
            }
        }
    }

    private static boolean moveForward(Connection c, String number, String recipient, Instant at, String wamid,
            Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE session_window SET last_inbound_at = ?, "
                + "last_inbound_wamid = ?, state = 'OPEN', updated_at = ? WHERE business_number = ? AND recipient = ? "
                + "AND last_inbound_at < ?")) {
            Jdbc.bind(update, at, wamid, now, number, recipient, at);
            return update.executeUpdate() > 0;
        }
    }

    /**
     * The provider refused a session message with 131047: whatever our records say, the window is closed. Records it
     * unless the customer wrote in after {@code refusedAt} (that newer message opened a new window). The next inbound
     * message opens the window again.
     */
    public boolean closeByProvider(String recipient, Instant refusedAt) throws SQLException {
        return closeByProvider(BusinessNumbers.DEFAULT, recipient, refusedAt);
    }

    /**
     * As {@link #closeByProvider(String, Instant)}: the refused message was sent from {@code number}. A window that
     * closes here and had been announced open to the source systems gets its window.closed event in the same
     * transaction ({@link CallbackEventStore#windowClosedEarly}).
     */
    public boolean closeByProvider(String number, String recipient, Instant refusedAt) throws SQLException {
        Instant now = clock.instant();
        return Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE session_window SET state = 'CLOSED', updated_at = ? "
                    + "WHERE business_number = ? AND recipient = ? AND last_inbound_at <= ? AND state <> 'CLOSED'")) {
                Jdbc.bind(s, now, number, recipient, refusedAt);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            CallbackEventStore.windowClosedEarly(c, number, recipient, refusedAt, now);
            return true;
        });
    }

    /**
     * Expires every open window whose latest inbound message is at or before the cutoff, by moving the expiry watermark
     * (table {@code window_sweep}, migration V12) forward to the cutoff: a window is expired when its latest inbound
     * message is at or before the watermark, as the view {@code session_window_status} shows. Nothing is written per
     * window, so a million stale windows cost one count over an index range and one row update.
     *
     * <p>The watermark only moves forward. When two sweeps race (a manual run beside the scheduled one), the one that
     * moves it second finds it moved and answers 0, so no window is counted twice.
     *
     * @return the number of open windows this sweep expired
     */
    public int expireStale(Instant cutoff) throws SQLException {
        return Jdbc.inTransaction(dataSource, c -> {
            Instant previous;
            try (PreparedStatement s = c.prepareStatement("SELECT cutoff FROM window_sweep WHERE id = 1");
                 ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("table window_sweep has no row: the database was not migrated by Flyway "
                            + "(migration V12 creates the row)");
                }
                previous = Jdbc.instant(rs, "cutoff");
            }
            if (!cutoff.isAfter(previous)) {
                return 0;
            }
            int expired;
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM session_window "
                    + "WHERE state = 'OPEN' AND last_inbound_at > ? AND last_inbound_at <= ?")) {
                Jdbc.bind(s, previous, cutoff);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    expired = rs.getInt(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE window_sweep SET cutoff = ?, swept_at = ? "
                    + "WHERE id = 1 AND cutoff = ?")) {
                Jdbc.bind(s, cutoff, clock.instant(), previous);
                return s.executeUpdate() == 1 ? expired : 0;
            }
        });
    }
}
