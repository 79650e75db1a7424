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
import io.windowgate.template.TemplateDefinition;

/** The template registry in the database (message_template), keyed by name and language. */
public final class TemplateStore {

    private final DataSource dataSource;
    private final Clock clock;

    public TemplateStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /**
     * A registry entry. {@code definition} is the Graph API JSON, or null when only the status is known (a status
     * webhook for a template that was never loaded).
     */
    public record Entry(String name, String language, String templateId, String status, Category category,
            String definition, String reason, Instant updatedAt) {
    }

    /** The last sync with the Graph API: when it ran, when it last succeeded, OK or FAILED and why. */
    public record SyncState(Instant attemptedAt, Instant succeededAt, String outcome, String detail,
            Integer templates) {
    }

    public SyncState syncState() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT attempted_at, succeeded_at, outcome, detail, templates "
                     + "FROM template_sync WHERE id = 1");
             ResultSet rs = s.executeQuery()) {
            return rs.next() ? new SyncState(Jdbc.instant(rs, "attempted_at"), Jdbc.instant(rs, "succeeded_at"),
                    rs.getString("outcome"), rs.getString("detail"), Jdbc.integer(rs, "templates")) : null;
        }
    }

    /** Records a sync's outcome; a failed one keeps the time and count of the last success. */
    public void recordSync(boolean ok, String detail, int templates) throws SQLException {
        Instant now = clock.instant();
        if (ok) {
            update("UPDATE template_sync SET attempted_at = ?, succeeded_at = ?, outcome = 'OK', detail = ?, "
                    + "templates = ? WHERE id = 1", now, now, Jdbc.truncate(detail, 2000), templates);
        } else {
            update("UPDATE template_sync SET attempted_at = ?, outcome = 'FAILED', detail = ? WHERE id = 1", now,
                    Jdbc.truncate(detail, 2000));
        }
    }

    /**
     * A template Meta no longer lists: status {@code DELETED}, so nothing is sent with it. Only templates with Meta's id
     * are marked (a template loaded by hand without one was never Meta's to delete).
     */
    public void markDeleted(String name, String language, String reason) throws SQLException {
        update("UPDATE message_template SET status = 'DELETED', reason = ?, updated_at = ? WHERE name = ? "
                + "AND language = ? AND template_id IS NOT NULL", Jdbc.truncate(reason, 1000), clock.instant(), name,
                language);
    }

    /** Adds or replaces a template (from the file, the API or the provider's list). */
    public void put(TemplateDefinition t) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement update = c.prepareStatement("UPDATE message_template SET template_id = ?, status = ?, "
                    + "category = ?, definition = ?, reason = NULL, updated_at = ? WHERE name = ? AND language = ?")) {
                Jdbc.bind(update, t.templateId(), t.status(), t.category() == null ? null : t.category().name(),
                        t.json(), now, t.name(), t.language());
                if (update.executeUpdate() > 0) {
                    return;
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO message_template (name, language, "
                    + "template_id, status, category, definition, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)")) {
                Jdbc.bind(insert, t.name(), t.language(), t.templateId(), t.status(),
                        t.category() == null ? null : t.category().name(), t.json(), now);
                insert.executeUpdate();
            } catch (SQLException e) {
                if (!Jdbc.isUniqueViolation(e)) {
                    throw e;
                }
                put(t); // another writer inserted it meanwhile: update instead
            }
        }
    }

    public Entry find(String name, String language) throws SQLException {
        List<Entry> found = query("WHERE name = ? AND language = ?", name, language);
        return found.isEmpty() ? null : found.get(0);
    }

    /** The languages a template name is registered in (to tell a person what exists when theirs does not). */
    public List<String> languagesOf(String name) throws SQLException {
        return query("WHERE name = ? ORDER BY language", name).stream().map(Entry::language).toList();
    }

    public List<Entry> list() throws SQLException {
        return query("ORDER BY name, language");
    }

    /**
     * A status change from the message_template_status_update webhook, found by Meta's id or else by name and
     * language. An unknown template is recorded with its status only. Returns the entry before the change, or null.
     */
    public Entry updateStatus(String templateId, String name, String language, String status, String reason)
            throws SQLException {
        Entry before = locate(templateId, name, language);
        Instant now = clock.instant();
        if (before == null) {
            if (name == null || language == null) {
                return null;
            }
            try (Connection c = dataSource.getConnection();
                 PreparedStatement insert = c.prepareStatement("INSERT INTO message_template (name, language, "
                         + "template_id, status, category, definition, reason, updated_at) "
                         + "VALUES (?, ?, ?, ?, NULL, NULL, ?, ?)")) {
                Jdbc.bind(insert, name, language, templateId, status, Jdbc.truncate(reason, 1000), now);
                insert.executeUpdate();
            }
            return null;
        }
        update("UPDATE message_template SET status = ?, reason = ?, template_id = COALESCE(template_id, ?), "
                + "updated_at = ? WHERE name = ? AND language = ?", status, Jdbc.truncate(reason, 1000), templateId,
                now, before.name(), before.language());
        return before;
    }

    /** A category change from the template_category_update webhook. Returns false for an unknown template. */
    public boolean updateCategory(String templateId, String name, String language, Category category)
            throws SQLException {
        Entry entry = locate(templateId, name, language);
        if (entry == null) {
            return false;
        }
        return update("UPDATE message_template SET category = ?, updated_at = ? WHERE name = ? AND language = ?",
                category.name(), clock.instant(), entry.name(), entry.language()) > 0;
    }

    private Entry locate(String templateId, String name, String language) throws SQLException {
        if (templateId != null && !templateId.isBlank()) {
            List<Entry> byId = query("WHERE template_id = ?", templateId);
            if (!byId.isEmpty()) {
                return byId.get(0);
            }
        }
        return name == null || language == null ? null : find(name, language);
    }

    private int update(String sql, Object... values) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            Jdbc.bind(s, values);
            return s.executeUpdate();
        }
    }

    private List<Entry> query(String where, Object... values) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT name, language, template_id, status, category, "
                     + "definition, reason, updated_at FROM message_template " + where)) {
            Jdbc.bind(s, values);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String category = rs.getString("category");
                    entries.add(new Entry(rs.getString("name"), rs.getString("language"), rs.getString("template_id"),
                            rs.getString("status"), category == null ? null : Category.valueOf(category),
                            rs.getString("definition"), rs.getString("reason"), Jdbc.instant(rs, "updated_at")));
                }
            }
        }
        return entries;
    }
}
