package io.windowgate.callback;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.ops.OperationsApi;
import io.windowgate.ops.OperationsApi.BadRequestException;
import io.windowgate.store.CallbackEventStore;
import io.windowgate.store.CallbackEventStore.Event;
import io.windowgate.store.NotificationStore;

/**
 * The callbacks' side of the HTTP API: events by delivery state ({@code GET /api/callbacks?status=FAILED}, admin),
 * sending failed ones again ({@code POST /api/callbacks/retry}, admin), and cancelling a notification not sent yet
 * ({@code POST /api/notifications/{id}/cancel}, CRM or admin). A request a person must change answers 400.
 */
public final class CallbacksApi {

    /** The most events one list page or one retry names. */
    static final int MAX_PAGE = 1000;

    /** An answer with its HTTP status. */
    public record Answer(int httpStatus, Map<String, Object> body) {
    }

    private final CallbackEventStore events;
    private final NotificationStore notifications;
    private final ObjectMapper mapper = new ObjectMapper();

    public CallbacksApi(CallbackEventStore events, NotificationStore notifications) {
        this.events = events;
        this.notifications = notifications;
    }

    /**
     * One page of events in a delivery state, oldest first: {@code {"items": [...], "next": "<after>"}}; pass
     * {@code next} as {@code after} for the following page (null on the last).
     */
    public Map<String, Object> list(String status, String after, String limit) throws BadRequestException,
            SQLException {
        CallbackEventStore.State state;
        try {
            state = CallbackEventStore.State.valueOf((status == null ? "FAILED" : status).trim()
                    .toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("unknown status '" + status + "': use one of "
                    + List.of(CallbackEventStore.State.values()));
        }
        int pageSize = OperationsApi.number("limit", limit == null ? "100" : limit, 1, MAX_PAGE);
        long afterId = after == null || after.isBlank() ? 0 : afterId(after);
        List<Event> page = events.list(state, afterId, pageSize + 1);
        boolean more = page.size() > pageSize;
        List<Map<String, Object>> items = new ArrayList<>();
        for (Event e : more ? page.subList(0, pageSize) : page) {
            items.add(view(e));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("items", items);
        answer.put("next", more ? Long.toString(page.get(pageSize - 1).id()) : null);
        return answer;
    }

    private static long afterId(String after) throws BadRequestException {
        try {
            return Math.max(0, Long.parseLong(after.trim()));
        } catch (NumberFormatException e) {
            throw new BadRequestException("'after' must be the 'next' of the previous page, a whole number, was '"
                    + after + "'");
        }
    }

    private static Map<String, Object> view(Event e) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("eventId", e.eventId());
        item.put("type", e.type());
        item.put("notificationId", e.notificationId());
        item.put("status", e.status() == null ? null : e.status().trim());
        item.put("deliveryState", e.state().name());
        item.put("url", e.url());
        item.put("attempts", e.attempts());
        item.put("lastError", e.lastError());
        item.put("at", e.occurredAt().toString());
        return item;
    }

    /**
     * Sends FAILED events again, with a fresh callbacks.max-age: {@code {"eventIds": [...]}} for chosen ones, or
     * {@code {"status": "FAILED"}} for all of them.
     */
    public Map<String, Object> retry(byte[] body) throws BadRequestException, SQLException {
        JsonNode request;
        try {
            request = mapper.readTree(body == null ? new byte[0] : body);
        } catch (IOException e) {
            request = null;
        }
        List<String> eventIds = new ArrayList<>();
        if (request != null && request.isObject() && request.path("eventIds").isArray()
                && request.get("eventIds").size() <= MAX_PAGE) {
            request.get("eventIds").forEach(id -> eventIds.add(id.asText()));
        } else if (request == null || !request.isObject() || !"FAILED".equals(request.path("status").asText())) {
            throw new BadRequestException("send {\"eventIds\": [\"...\"]} (at most " + MAX_PAGE + ") or "
                    + "{\"status\": \"FAILED\"} for every failed event");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("requeued", eventIds.isEmpty() && request.has("eventIds") ? 0 : events.retryFailed(eventIds));
        return answer;
    }

    /** Cancels a notification not sent yet: 200 CANCELLED, 409 with its status when too late, 404 when unknown. */
    public Answer cancel(String id) throws SQLException {
        NotificationStore.Cancel cancel = notifications.cancel(id);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        if (cancel.status() == null) {
            body.put("error", "no notification with this id");
            return new Answer(404, body);
        }
        body.put("status", cancel.status().name());
        if (cancel.cancelled()) {
            return new Answer(200, body);
        }
        body.put("error", "only a notification not sent yet (SCHEDULED, HELD, or QUEUED and not being sent) can be "
                + "cancelled; this one is " + cancel.status());
        return new Answer(409, body);
    }
}
