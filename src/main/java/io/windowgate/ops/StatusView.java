package io.windowgate.ops;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.windowgate.notification.Status;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.StoredNotification;

/**
 * The JSON shape of a notification in GET /api/notifications/{id} and the lists: id, status, route and the last error,
 * plus its place in the outbox, timing and source.
 */
public final class StatusView {

    private final NotificationStore store;

    public StatusView(NotificationStore store) {
        this.store = store;
    }

    /** The view of one notification, or null when the id is unknown. */
    public Map<String, Object> find(String id) throws SQLException {
        StoredNotification n = id == null ? null : store.find(id);
        return n == null ? null : view(n);
    }

    /** The view of a stored notification. */
    public Map<String, Object> view(StoredNotification n) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", n.notification().id());
        view.put("status", n.status().name());
        view.put("route", n.route());
        view.put("to", n.notification().to());
        // the alias of the business number it is sent from (README "Several business numbers")
        view.put("from", n.notification().sender());
        view.put("source", n.notification().source());
        view.put("wamid", n.wamid());
        view.put("attempts", n.attempts());
        if (n.errorCode() != null || n.errorTitle() != null || n.errorDetails() != null) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", n.errorCode());
            error.put("title", n.errorTitle());
            error.put("details", n.errorDetails());
            view.put("lastError", error);
        } else {
            view.put("lastError", null);
        }
        // where it stands in the outbox while QUEUED: when the next attempt is due, and whether the outcome of the
        // last send is unknown (waiting for a status webhook before sending again)
        view.put("retries", n.retries());
        view.put("nextAttemptAt", n.status() == Status.QUEUED && n.nextAttemptAt() != null
                ? n.nextAttemptAt().toString() : null);
        view.put("outcomeUnknownSince", n.outcomeUnknownSince() == null ? null : n.outcomeUnknownSince().toString());
        view.put("sendAt", n.notification().sendAt() == null ? null : n.notification().sendAt().toString());
        view.put("createdAt", n.createdAt().toString());
        view.put("updatedAt", n.updatedAt().toString());
        return view;
    }
}
