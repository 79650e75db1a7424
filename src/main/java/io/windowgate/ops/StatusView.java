package io.windowgate.ops;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.windowgate.store.NotificationStore;
import io.windowgate.store.StoredNotification;

/** The JSON shape of GET /api/notifications/{id}: id, status, route and the last error, plus timing and source. */
public final class StatusView {

    private final NotificationStore store;

    public StatusView(NotificationStore store) {
        this.store = store;
    }

    /** The view of one notification, or null when the id is unknown. */
    public Map<String, Object> find(String id) throws SQLException {
        StoredNotification n = id == null ? null : store.find(id);
        if (n == null) {
            return null;
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", n.notification().id());
        view.put("status", n.status().name());
        view.put("route", n.route());
        view.put("to", n.notification().to());
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
        view.put("sendAt", n.notification().sendAt() == null ? null : n.notification().sendAt().toString());
        view.put("createdAt", n.createdAt().toString());
        view.put("updatedAt", n.updatedAt().toString());
        return view;
    }
}
