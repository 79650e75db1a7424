package io.windowgate.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Category;
import io.windowgate.notification.MediaRef;
import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.notification.TemplateRef;

/**
 * The notification table's row shape, shared by the stores that read and write it: the column list, the mapping of a
 * row to a {@link StoredNotification}, the JSON of template parameters, and one-statement updates.
 */
final class NotificationRows {

    static final String COLUMNS = "id, recipient, body_text, template_name, template_language, template_params, "
            + "category, send_at, source, status, route, wamid, attempts, error_code, error_title, error_details, "
            + "created_at, updated_at, next_attempt_at, lease_owner, outcome_unknown_since, retries, template_parts, sender, "
            + "callback_url, media";
    private static final TypeReference<List<String>> LIST = new TypeReference<>() { };
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() { };

    private final DataSource dataSource;
    private final ObjectMapper json = new ObjectMapper();

    NotificationRows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One statement in its own transaction, run again should the database roll it back for a deadlock. */
    int update(String sql, Object... values) throws SQLException {
        return Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                Jdbc.bind(s, values);
                return s.executeUpdate();
            }
        });
    }

    StoredNotification read(ResultSet rs) throws SQLException {
        String templateName = rs.getString("template_name");
        TemplateRef template = templateName == null ? null
                : templateFrom(templateName, rs.getString("template_language"), rs.getString("template_params"),
                        rs.getString("template_parts"));
        String category = rs.getString("category");
        Notification n = new Notification(rs.getString("id"), rs.getString("recipient"), rs.getString("body_text"),
                template, category == null ? null : Category.valueOf(category), Jdbc.instant(rs, "send_at"),
                rs.getString("source"), rs.getString("sender"), rs.getString("callback_url"),
                mediaFrom(rs.getString("media")));
        return new StoredNotification(n, Status.valueOf(rs.getString("status")), rs.getString("route"),
                rs.getString("wamid"), rs.getInt("attempts"), Jdbc.integer(rs, "error_code"),
                rs.getString("error_title"), rs.getString("error_details"), Jdbc.instant(rs, "created_at"),
                Jdbc.instant(rs, "updated_at"), Jdbc.instant(rs, "next_attempt_at"), rs.getString("lease_owner"),
                Jdbc.instant(rs, "outcome_unknown_since"), rs.getInt("retries"));
    }

    String paramsJson(TemplateRef t) {
        try {
            return t.namedParams().isEmpty() ? json.writeValueAsString(t.positionalParams())
                    : json.writeValueAsString(t.namedParams());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise template parameters", e);
        }
    }

    /** The header and button parameters as JSON, or null when there are none. */
    String partsJson(TemplateRef t) {
        if (t.header() == null && t.buttons().isEmpty() && t.typedParams().isEmpty()) {
            return null;
        }
        try {
            return json.writeValueAsString(new Parts(t.header(), t.buttons(), t.typedParams()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise template parts", e);
        }
    }

    /** A notification's media as JSON, or null when it has none. */
    String mediaJson(MediaRef media) {
        try {
            return media == null ? null : json.writeValueAsString(media);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise media", e);
        }
    }

    private MediaRef mediaFrom(String stored) {
        try {
            return stored == null ? null : json.readValue(stored, MediaRef.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored media is not JSON", e);
        }
    }

    /** The stored form of a template's header and button parameters. */
    private record Parts(TemplateRef.Header header, List<TemplateRef.Button> buttons,
            Map<String, TemplateRef.Typed> typed) {
    }

    private TemplateRef templateFrom(String name, String language, String params, String partsJson) {
        try {
            Parts parts = partsJson == null ? new Parts(null, List.of(), Map.of())
                    : json.readValue(partsJson, Parts.class);
            if (params == null || params.startsWith("[")) {
                return new TemplateRef(name, language, params == null ? List.of() : json.readValue(params, LIST),
                        Map.of(), parts.header(), parts.buttons(), parts.typed());
            }
            return new TemplateRef(name, language, List.of(), json.readValue(params, MAP), parts.header(),
                    parts.buttons(), parts.typed());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored template parameters of template " + name + " are not JSON", e);
        }
    }
}
