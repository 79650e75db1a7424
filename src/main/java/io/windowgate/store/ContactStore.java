package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import javax.sql.DataSource;

/**
 * Who a customer is to WhatsApp (table {@code contact}): each E.164 number the sources use, linked to the customer's
 * {@code wa_id} and, once known, business-scoped user id (BSUID) and username. Also keeps the inbound messages that
 * named only a BSUID nobody has linked yet (table {@code inbound_unmatched}), until it is.
 */
public final class ContactStore {

    /** The most values one IN list binds. */
    private static final int IN_LIST = 200;

    /** One number of a customer and what WhatsApp calls that customer. */
    public record Contact(String phone, String waId, String userId, String username, String learnedFrom,
            Instant updatedAt) {
    }

    /** An inbound message that carried only a BSUID unknown when it arrived. */
    public record UnmatchedInbound(String wamid, String businessNumber, String userId, Instant messageAt) {
    }

    private static final String COLUMNS = "phone, wa_id, user_id, username, learned_from, updated_at";

    private final DataSource dataSource;
    private final Clock clock;

    public ContactStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /**
     * Links the number {@code phone} to the customer {@code waId} (a send answer's {@code contacts[].input} and
     * {@code wa_id}), with the BSUID and username when given (null keeps what is stored).
     *
     * @return true when this taught something new: the number was unknown, or linked to another wa_id, BSUID or username
     */
    public boolean link(String phone, String waId, String userId, String username, String learnedFrom)
            throws SQLException {
        Objects.requireNonNull(waId, "waId");
        try (Connection c = dataSource.getConnection()) {
            Contact known = find(c, phone);
            if (known != null) {
                return updateIfNew(c, known, waId, userId, username, learnedFrom);
            }
            try {
                insert(c, phone, waId, userId, username, learnedFrom);
                return true;
            } catch (SQLException e) {
                if (!Jdbc.isUniqueViolation(e)) {
                    throw e;
                }
                // another webhook or send answer linked it meanwhile
                return updateIfNew(c, find(c, phone), waId, userId, username, learnedFrom);
            }
        }
    }

    /**
     * What a webhook says of the customer {@code waId} ({@code contacts[]}, or a status's recipient ids): their BSUID
     * and username apply to every number linked to that wa_id; a customer with no number yet is recorded under
     * {@code +<wa_id>}, the number WhatsApp itself gives.
     *
     * @return true when this taught something new
     */
    public boolean learn(String waId, String userId, String username, String learnedFrom) throws SQLException {
        List<Contact> linked = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM contact WHERE wa_id = ?")) {
                Jdbc.bind(s, waId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        linked.add(contact(rs));
                    }
                }
            }
            if (linked.isEmpty()) {
                return insertIfAbsent(c, "+" + waId, waId, userId, username, learnedFrom);
            }
            boolean changed = false;
            for (Contact known : linked) {
                changed |= updateIfNew(c, known, waId, userId, username, learnedFrom);
            }
            return changed;
        }
    }

    /**
     * The BSUIDs stored for each of {@code waIds} that has a row (null for a row without one), read in a few queries
     * however many there are: a batch of status webhooks asks this before learning anything, and learns only what
     * differs.
     */
    public Map<String, List<String>> userIdsOf(Collection<String> waIds) throws SQLException {
        Map<String, List<String>> found = new HashMap<>();
        List<String> all = new ArrayList<>(waIds);
        try (Connection c = dataSource.getConnection()) {
            for (int from = 0; from < all.size(); from += IN_LIST) {
                List<String> chunk = all.subList(from, Math.min(all.size(), from + IN_LIST));
                try (PreparedStatement s = c.prepareStatement("SELECT wa_id, user_id FROM contact WHERE wa_id IN ("
                        + Jdbc.marks(chunk.size()) + ")")) {
                    Jdbc.bind(s, chunk.toArray());
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            found.computeIfAbsent(rs.getString(1), w -> new ArrayList<>()).add(rs.getString(2));
                        }
                    }
                }
            }
        }
        return found;
    }

    /**
     * Every number linked to the customer named by {@code waId} or {@code userId} (either may be null), in no
     * particular order; {@code +<wa_id>} is not added here unless a row says so.
     */
    public Set<String> phones(String waId, String userId) throws SQLException {
        Set<String> phones = new LinkedHashSet<>();
        try (Connection c = dataSource.getConnection();
             // a UNION rather than OR, so that each side is served by its own index
             PreparedStatement s = c.prepareStatement("SELECT phone FROM contact WHERE wa_id = ? "
                     + "UNION SELECT phone FROM contact WHERE user_id = ?")) {
            Jdbc.bind(s, waId, userId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    phones.add(rs.getString(1));
                }
            }
        }
        return phones;
    }

    /** The contact of the number {@code phone}, or of the customer whose wa_id is its digits; null when unknown. */
    public Contact find(String phone) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Contact contact = find(c, phone);
            if (contact != null || phone == null || !phone.startsWith("+")) {
                return contact;
            }
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM contact WHERE wa_id = ? "
                    + "ORDER BY phone")) {
                Jdbc.bind(s, phone.substring(1));
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? contact(rs) : null;
                }
            }
        }
    }

    /** Keeps an inbound message whose only sender id is an unknown BSUID; a repeated webhook is kept once. */
    public void recordUnmatched(String wamid, String businessNumber, String userId, String username, Instant messageAt)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO inbound_unmatched (wamid, business_number, user_id, "
                     + "username, message_at, received_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            Jdbc.bind(s, wamid, businessNumber, userId, Jdbc.truncate(username, 100), messageAt, clock.instant());
            s.executeUpdate();
        } catch (SQLException e) {
            if (!Jdbc.isUniqueViolation(e)) {
                throw e;
            }
        }
    }

    /** The kept messages of BSUID {@code userId} not applied yet, oldest first. */
    public List<UnmatchedInbound> unmatched(String userId) throws SQLException {
        List<UnmatchedInbound> found = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT wamid, business_number, user_id, message_at "
                     + "FROM inbound_unmatched WHERE user_id = ? AND matched_at IS NULL ORDER BY message_at")) {
            Jdbc.bind(s, userId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(new UnmatchedInbound(rs.getString("wamid"), rs.getString("business_number"),
                            rs.getString("user_id"), Jdbc.instant(rs, "message_at")));
                }
            }
        }
        return found;
    }

    /** Marks a kept message as applied to its customer's windows. */
    public void matched(String wamid) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE inbound_unmatched SET matched_at = ? "
                     + "WHERE wamid = ? AND matched_at IS NULL")) {
            Jdbc.bind(s, clock.instant(), wamid);
            s.executeUpdate();
        }
    }

    /** How many kept messages still wait for their BSUID to be linked. */
    public int unmatchedCount() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM inbound_unmatched WHERE matched_at IS NULL");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private boolean insertIfAbsent(Connection c, String phone, String waId, String userId, String username,
            String learnedFrom) throws SQLException {
        try {
            insert(c, phone, waId, userId, username, learnedFrom);
            return true;
        } catch (SQLException e) {
            if (!Jdbc.isUniqueViolation(e)) {
                throw e;
            }
            // the number is taken: linked meanwhile, or typed by a source and known to WhatsApp as another wa_id
            Contact known = find(c, phone);
            return known != null && waId.equals(known.waId())
                    && updateIfNew(c, known, waId, userId, username, learnedFrom);
        }
    }

    private void insert(Connection c, String phone, String waId, String userId, String username, String learnedFrom)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO contact (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)")) {
            Jdbc.bind(s, phone, waId, userId, Jdbc.truncate(username, 100), learnedFrom, clock.instant());
            s.executeUpdate();
        }
    }

    private boolean updateIfNew(Connection c, Contact known, String waId, String userId, String username,
            String learnedFrom) throws SQLException {
        String newUserId = userId != null ? userId : known.userId();
        String newUsername = username != null ? Jdbc.truncate(username, 100) : known.username();
        if (waId.equals(known.waId()) && Objects.equals(newUserId, known.userId())
                && Objects.equals(newUsername, known.username())) {
            return false;
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE contact SET wa_id = ?, user_id = ?, username = ?, "
                + "learned_from = ?, updated_at = ? WHERE phone = ?")) {
            Jdbc.bind(s, waId, newUserId, newUsername, learnedFrom, clock.instant(), known.phone());
            return s.executeUpdate() > 0;
        }
    }

    private static Contact find(Connection c, String phone) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM contact WHERE phone = ?")) {
            Jdbc.bind(s, phone);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? contact(rs) : null;
            }
        }
    }

    private static Contact contact(ResultSet rs) throws SQLException {
        return new Contact(rs.getString("phone"), rs.getString("wa_id"), rs.getString("user_id"),
                rs.getString("username"), rs.getString("learned_from"), Jdbc.instant(rs, "updated_at"));
    }
}
