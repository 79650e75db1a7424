package io.windowgate.ops;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Status;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.SendingStateStore.Pause;
import io.windowgate.store.StoredNotification;
import io.windowgate.whatsapp.SendGate;

/**
 * The operator's API (routes/notification-list-api.camel.yaml, routes/sending-state-api.camel.yaml), behind
 * {@code Authorization: Bearer <admin.api-token>} (checked by {@link io.windowgate.http.ApiAuthentication}): list
 * notifications by status (the dead letters are {@code status=FAILED}), send failed ones again, see and end a sending
 * pause. Answers are JSON maps; a request a person must change throws {@link BadRequestException} (400).
 */
public final class OperationsApi {

    /** The most notifications one list page holds. */
    static final int MAX_PAGE = 1000;

    /** A request the caller must change; the message says what. */
    public static final class BadRequestException extends Exception {
        public BadRequestException(String message) {
            super(message);
        }
    }

    private final NotificationStore store;
    private final StatusView views;
    private final SendGate gate;
    private final Clock clock;
    private final ObjectMapper mapper = new ObjectMapper();

    public OperationsApi(NotificationStore store, StatusView views, SendGate gate, Clock clock) {
        this.store = store;
        this.views = views;
        this.gate = gate;
        this.clock = clock;
    }

    /**
     * One page of notifications with a status, ordered by id: {@code {"items": [...], "next": "<after>"}}; pass
     * {@code next} as {@code after} for the following page ({@code next} is null on the last page).
     */
    public Map<String, Object> list(String status, String errorCode, String after, String limit)
            throws BadRequestException, SQLException {
        Status wanted = status(status == null ? "FAILED" : status);
        int pageSize = number("limit", limit == null ? "100" : limit, 1, MAX_PAGE);
        Integer code = errorCode == null || errorCode.isBlank() ? null
                : number("errorCode", errorCode, 0, Integer.MAX_VALUE);
        List<StoredNotification> page = store.list(wanted, code, after, pageSize + 1);
        boolean more = page.size() > pageSize;
        List<Map<String, Object>> items = new ArrayList<>();
        for (StoredNotification n : more ? page.subList(0, pageSize) : page) {
            items.add(views.view(n));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("items", items);
        answer.put("next", more ? page.get(pageSize - 1).notification().id() : null);
        return answer;
    }

    /**
     * Sends FAILED notifications again: {@code {"ids": [...]}} for chosen ones, or {@code {"status": "FAILED"}} (with
     * an optional {@code "errorCode"}) for all of them. Only FAILED ones go back into the outbox; anything else, in
     * particular a notification already sent, is reported and left alone.
     */
    public Map<String, Object> retry(byte[] body) throws BadRequestException, SQLException {
        JsonNode request;
        try {
            request = mapper.readTree(body == null ? new byte[0] : body);
        } catch (IOException e) {
            throw new BadRequestException("the body is not JSON: send {\"ids\": [\"...\"]} or {\"status\": \"FAILED\"}");
        }
        if (request == null || !request.isObject()) {
            throw new BadRequestException("send {\"ids\": [\"...\"]} or {\"status\": \"FAILED\", \"errorCode\": 131000}");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        if (request.has("ids")) {
            if (!request.get("ids").isArray() || request.get("ids").size() > MAX_PAGE) {
                throw new BadRequestException("'ids' must be an array of at most " + MAX_PAGE + " notification ids");
            }
            List<String> ids = new ArrayList<>();
            request.get("ids").forEach(id -> ids.add(id.asText()));
            return retry(ids);
        }
        if (!"FAILED".equals(request.path("status").asText())) {
            throw new BadRequestException("only FAILED notifications can be sent again: send {\"status\": \"FAILED\"} "
                    + "or a list of ids");
        }
        JsonNode code = request.path("errorCode");
        if (!code.isMissingNode() && !code.canConvertToInt()) {
            throw new BadRequestException("'errorCode' must be a number such as 131000");
        }
        answer.put("requeued", store.requeueFailed(code.isMissingNode() ? null : code.asInt()));
        return answer;
    }

    /** Sends these notifications again when they are FAILED; lists the others with their status. */
    public Map<String, Object> retry(List<String> ids) throws SQLException {
        List<String> requeued = store.requeueFailed(ids);
        List<Map<String, Object>> skipped = new ArrayList<>();
        for (String id : ids) {
            if (!requeued.contains(id)) {
                StoredNotification n = store.find(id);
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("id", id);
                item.put("status", n == null ? null : n.status().name());
                item.put("reason", n == null ? "no notification with this id" : "only FAILED notifications are sent "
                        + "again; this one is " + n.status());
                skipped.add(item);
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("requeued", requeued);
        answer.put("skipped", skipped);
        return answer;
    }

    /** Whether sending is paused, why and until when. */
    public Map<String, Object> sendingState() throws SQLException {
        Pause pause = gate.pause();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("state", pause == null ? "SENDING" : "PAUSED");
        if (pause != null) {
            answer.put("pausedUntil", pause.until().toString());
            answer.put("pausedAt", pause.pausedAt() == null ? null : pause.pausedAt().toString());
            answer.put("errorCode", pause.errorCode());
            answer.put("reason", pause.reason());
        }
        return answer;
    }

    /** Ends a pause now; everything the pause held back is due at once. */
    public Map<String, Object> resume() throws SQLException {
        Pause pause = gate.pause();
        boolean wasPaused = gate.resume();
        int due = pause == null ? 0 : store.dueNow(pause.until());
        Map<String, Object> answer = sendingState();
        answer.put("resumed", wasPaused);
        answer.put("released", due);
        return answer;
    }

    /** Pauses sending for {@code duration} (ISO-8601, default PT1H) on an operator's request. */
    public Map<String, Object> pause(String duration) throws BadRequestException, SQLException {
        Duration length;
        try {
            length = Duration.parse(duration == null || duration.isBlank() ? "PT1H" : duration);
        } catch (RuntimeException e) {
            throw new BadRequestException("'duration' must be an ISO-8601 duration such as PT30M, was '" + duration + "'");
        }
        if (length.isNegative() || length.isZero()) {
            throw new BadRequestException("'duration' must be positive");
        }
        Instant until = clock.instant().plus(length);
        gate.pause(until, null, "paused by an operator");
        return sendingState();
    }

    /** Sends one notification again when it is FAILED. */
    public Map<String, Object> retryOne(String id) throws SQLException {
        return retry(List.of(id));
    }

    /** The 400 answer: the exception's message says what to change. */
    public String errorFrom(Exception exception) throws JsonProcessingException {
        return mapper.writeValueAsString(Map.of("error", String.valueOf(exception.getMessage())));
    }

    /** The 503 answer. */
    public String unavailable() throws JsonProcessingException {
        return mapper.writeValueAsString(Map.of("error", "temporarily unable to answer: retry later"));
    }

    private static Status status(String value) throws BadRequestException {
        try {
            return Status.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("unknown status '" + value + "': use one of " + List.of(Status.values()));
        }
    }

    /** A whole-number query parameter from {@code min} to {@code max}; 400 with what to send otherwise. */
    public static int number(String name, String value, int min, int max) throws BadRequestException {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadRequestException("'" + name + "' must be a whole number from " + min + " to " + max + ", was '"
                + value + "'");
    }
}
