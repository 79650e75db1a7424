package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

/**
 * What the polled and mailed sources keep in the database: the CRM pull cursor (it survives restarts), and the input
 * they refused where no caller hears an answer (a CRM item, a mail), with the reason.
 */
public final class SourceStore {

    private final DataSource dataSource;
    private final Clock clock;

    public SourceStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** The stored cursor of a source, or null when it has none yet (start from the beginning). */
    public String cursor(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT cursor_value FROM source_cursor WHERE name = ?")) {
            Jdbc.bind(s, source);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Stores a source's cursor (update, else insert; a lost insert race is retried as an update). */
    public void saveCursor(String source, String cursor) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            if (update(c, source, cursor, now) > 0) {
                return;
            }
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO source_cursor (name, cursor_value, updated_at) VALUES (?, ?, ?)")) {
                Jdbc.bind(s, source, cursor, now);
                s.executeUpdate();
            } catch (SQLException e) {
                if (!Jdbc.isUniqueViolation(e)) {
                    throw e;
                }
                update(c, source, cursor, now);
            }
        }
    }

    private static int update(Connection c, String source, String cursor, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE source_cursor SET cursor_value = ?, updated_at = ? WHERE name = ?")) {
            Jdbc.bind(s, cursor, now, source);
            return s.executeUpdate();
        }
    }

    /** Records refused input: the source, where it came from (mail Message-ID, CRM page), the item and why. */
    public void reject(String source, String reference, String item, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO source_rejection (source, reference, item, reason, "
                     + "created_at) VALUES (?, ?, ?, ?, ?)")) {
            Jdbc.bind(s, source, Jdbc.truncate(reference, 1000), Jdbc.truncate(item, 255), Jdbc.truncate(reason, 2000),
                    clock.instant());
            s.executeUpdate();
        }
    }

    /**
     * GET /api/rejections: the newest refusals as {"rejections": [...]}, of one source ({@code crm-poll}, {@code mail})
     * or all when blank, at most {@code limit} (1 to 1,000, default 100).
     */
    public Map<String, Object> view(String source, String limit) throws SQLException {
        int max = 100;
        if (limit != null && !limit.isBlank()) {
            try {
                max = Math.max(1, Math.min(1000, Integer.parseInt(limit.trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("limit must be a whole number from 1 to 1000, was '" + limit + "'");
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("rejections", rejections(source == null || source.isBlank() ? null : source.trim(), max));
        return answer;
    }

    /** The newest refusals, newest first; {@code source} null for every source. */
    public List<Map<String, Object>> rejections(String source, int limit) throws SQLException {
        String sql = "SELECT id, source, reference, item, reason, created_at FROM source_rejection"
                + (source == null ? "" : " WHERE source = ?") + " ORDER BY id DESC";
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(sql)) {
            s.setMaxRows(limit);
            if (source != null) {
                Jdbc.bind(s, source);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("source", rs.getString("source"));
                    row.put("reference", rs.getString("reference"));
                    row.put("item", rs.getString("item"));
                    row.put("reason", rs.getString("reason"));
                    row.put("at", Jdbc.instant(rs, "created_at").toString());
                    rows.add(row);
                }
            }
        }
        return rows;
    }
}
