package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.notification.TemplateRef;

/**
 * The notifications in the database: the idempotency record (the id is the primary key) and the delivery state.
 * Status changes are conditional updates, so concurrent webhooks and sends cannot move a notification backwards.
 */
public final class NotificationStore {

    private static final String COLUMNS = "id, recipient, body_text, template_name, template_language, template_params, "
            + "category, send_at, source, status, route, wamid, attempts, error_code, error_title, error_details, "
            + "created_at, updated_at";
    private static final TypeReference<List<String>> LIST = new TypeReference<>() { };
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() { };

    private final DataSource dataSource;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public NotificationStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** Stores a new notification; false when one with the same id already exists (a duplicate). */
    public boolean insert(Notification n, Status status) throws SQLException {
        Instant now = clock.instant();
        TemplateRef t = n.template();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO notification (" + COLUMNS + ") "
                     + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, NULL, NULL, NULL, ?, ?)")) {
            Jdbc.bind(s, n.id(), n.to(), n.text(), t == null ? null : t.name(), t == null ? null : t.language(),
                    t == null ? null : paramsJson(t), n.category() == null ? null : n.category().name(), n.sendAt(),
                    n.source(), status.name(), now, now);
            s.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (Jdbc.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    public StoredNotification find(String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM notification WHERE id = ?")) {
            Jdbc.bind(s, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? read(rs) : null;
            }
        }
    }

    /** The canonical notification stored under this id (for re-routing); fails when the id is unknown. */
    public Notification load(String id) throws SQLException {
        StoredNotification stored = find(id);
        if (stored == null) {
            throw new IllegalArgumentException("no notification with id " + id);
        }
        return stored.notification();
    }

    /**
     * The provider accepted the message: store its wamid; QUEUED becomes SENT (a faster status webhook may have won).
     * An earlier error is cleared, except on a notification a faster "failed" webhook already made FAILED.
     */
    public void markSent(String id, String route, String wamid) throws SQLException {
        update("UPDATE notification SET route = ?, wamid = ?, attempts = attempts + 1, "
                + "status = CASE WHEN status = 'QUEUED' THEN 'SENT' ELSE status END, "
                + "error_code = CASE WHEN status = 'FAILED' THEN error_code ELSE NULL END, "
                + "error_title = CASE WHEN status = 'FAILED' THEN error_title ELSE NULL END, "
                + "error_details = CASE WHEN status = 'FAILED' THEN error_details ELSE NULL END, "
                + "updated_at = ? WHERE id = ?",
                route, wamid, clock.instant(), id);
    }

    /** The send failed for good: FAILED with the provider's code and details (code is null for transport errors). */
    public void markFailed(String id, String route, Integer code, String title, String details) throws SQLException {
        update("UPDATE notification SET status = 'FAILED', route = ?, attempts = attempts + 1, error_code = ?, "
                + "error_title = ?, error_details = ?, updated_at = ? WHERE id = ? AND status = 'QUEUED'",
                route, code, Jdbc.truncate(title, 200), Jdbc.truncate(details, 1000), clock.instant(), id);
    }

    /** Window closed and no usable template: HELD (or REJECTED) with the reason; only from QUEUED. */
    public void markNotSendable(String id, Status status, String reason) throws SQLException {
        update("UPDATE notification SET status = ?, route = NULL, error_details = ?, updated_at = ? "
                + "WHERE id = ? AND status = 'QUEUED'", status.name(), Jdbc.truncate(reason, 1000), clock.instant(), id);
    }

    /** Records a provider error that does not end the notification (131047 before a re-route); stays QUEUED. */
    public void noteError(String id, Integer code, String title, String details) throws SQLException {
        update("UPDATE notification SET status = 'QUEUED', attempts = attempts + 1, error_code = ?, error_title = ?, "
                + "error_details = ?, updated_at = ? WHERE id = ?",
                code, Jdbc.truncate(title, 200), Jdbc.truncate(details, 1000), clock.instant(), id);
    }

    /**
     * Moves the recipient's HELD notifications to QUEUED, oldest first, and returns the ones this call claimed (a
     * concurrent release of the same recipient claims each notification at most once).
     */
    public List<Notification> claimHeld(String recipient) throws SQLException {
        return claim(Status.HELD, "recipient = ? AND status = 'HELD' ORDER BY created_at, id", 0, recipient);
    }

    /**
     * Moves up to {@code limit} SCHEDULED notifications whose sendAt has come to QUEUED, earliest first, and returns the
     * ones this call claimed. Overdue ones (the service was down at their time) are included.
     */
    public List<Notification> claimDue(int limit) throws SQLException {
        return claim(Status.SCHEDULED, "status = 'SCHEDULED' AND send_at <= ? ORDER BY send_at, id", limit,
                clock.instant());
    }

    /** Selects candidates, then moves each with a conditional update so a concurrent claimer never gets the same. */
    private List<Notification> claim(Status from, String where, int limit, Object... values) throws SQLException {
        List<Notification> claimed = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            List<Notification> candidates = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM notification WHERE " + where)) {
                s.setMaxRows(limit);
                Jdbc.bind(s, values);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(read(rs).notification());
                    }
                }
            }
            try (PreparedStatement move = c.prepareStatement("UPDATE notification SET status = 'QUEUED', "
                    + "updated_at = ? WHERE id = ? AND status = ?")) {
                for (Notification n : candidates) {
                    Jdbc.bind(move, clock.instant(), n.id(), from.name());
                    if (move.executeUpdate() == 1) {
                        claimed.add(n);
                    }
                }
            }
        }
        return claimed;
    }

    /** What a provider status webhook did to the notification it names. */
    public enum StatusOutcome { APPLIED, IGNORED, REROUTE }

    /**
     * Applies a status webhook, forward only (SENT < DELIVERED < READ; FAILED is final). The notification is found by
     * the wamid of its latest send, or by its id (biz_opaque_callback_data) while the wamid is not stored yet. A
     * session message that failed because the window had closed (131047) goes back to QUEUED for a re-route.
     */
    public StatusOutcome applyStatus(String wamid, String callbackId, Status status, Integer errorCode,
            String errorTitle, String errorDetails, boolean windowClosedError) throws SQLException {
        Set<Status> from = status.forwardPredecessors();
        if (from.isEmpty()) {
            return StatusOutcome.IGNORED;
        }
        String match = "(wamid = ? OR (wamid IS NULL AND id = ?))";
        // only free-form messages draw 131047; the route may not be stored yet when the webhook beats the HTTP answer
        String callback = callbackId == null ? "" : callbackId;
        Instant now = clock.instant();
        if (windowClosedError && update("UPDATE notification SET status = 'QUEUED', error_code = ?, error_title = ?, "
                + "error_details = ?, updated_at = ? WHERE " + match + " AND (route = 'session' OR route IS NULL) "
                + "AND status IN ('SENT', 'QUEUED')", errorCode, Jdbc.truncate(errorTitle, 200), Jdbc.truncate(errorDetails, 1000), now, wamid,
                callback) > 0) {
            return StatusOutcome.REROUTE;
        }
        String placeholders = from.stream().map(s -> "?").collect(Collectors.joining(", "));
        List<Object> values = new ArrayList<>();
        String set;
        if (status == Status.FAILED) {
            set = "status = 'FAILED', error_code = ?, error_title = ?, error_details = ?";
            values.addAll(Arrays.asList(errorCode, Jdbc.truncate(errorTitle, 200), Jdbc.truncate(errorDetails, 1000)));
        } else {
            set = "status = ?";
            values.add(status.name());
        }
        values.addAll(List.of(now, wamid, callback));
        from.forEach(s -> values.add(s.name()));
        int updated = update("UPDATE notification SET " + set + ", updated_at = ? WHERE " + match
                + " AND status IN (" + placeholders + ")", values.toArray());
        return updated > 0 ? StatusOutcome.APPLIED : StatusOutcome.IGNORED;
    }

    /** HELD notifications accepted at or before the cutoff become EXPIRED, in one statement. */
    public int expireHeld(Instant acceptedBefore, String reason) throws SQLException {
        return update("UPDATE notification SET status = 'EXPIRED', error_details = ?, updated_at = ? "
                + "WHERE status = 'HELD' AND created_at <= ?", reason, clock.instant(), acceptedBefore);
    }

    private int update(String sql, Object... values) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            Jdbc.bind(s, values);
            return s.executeUpdate();
        }
    }

    private StoredNotification read(ResultSet rs) throws SQLException {
        String templateName = rs.getString("template_name");
        TemplateRef template = templateName == null ? null
                : templateFrom(templateName, rs.getString("template_language"), rs.getString("template_params"));
        String category = rs.getString("category");
        Notification n = new Notification(rs.getString("id"), rs.getString("recipient"), rs.getString("body_text"),
                template, category == null ? null : Category.valueOf(category), Jdbc.instant(rs, "send_at"),
                rs.getString("source"));
        return new StoredNotification(n, Status.valueOf(rs.getString("status")), rs.getString("route"),
                rs.getString("wamid"), rs.getInt("attempts"), Jdbc.integer(rs, "error_code"),
                rs.getString("error_title"), rs.getString("error_details"), Jdbc.instant(rs, "created_at"),
                Jdbc.instant(rs, "updated_at"));
    }

    private String paramsJson(TemplateRef t) {
        try {
            return t.namedParams().isEmpty() ? json.writeValueAsString(t.positionalParams())
                    : json.writeValueAsString(t.namedParams());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise template parameters", e);
        }
    }

    private TemplateRef templateFrom(String name, String language, String params) {
        try {
            if (params == null || params.startsWith("[")) {
                return new TemplateRef(name, language, params == null ? List.of() : json.readValue(params, LIST), Map.of());
            }
            return new TemplateRef(name, language, List.of(), json.readValue(params, MAP));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored template parameters of template " + name + " are not JSON", e);
        }
    }
}
