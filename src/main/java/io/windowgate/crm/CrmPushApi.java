package io.windowgate.crm;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.windowgate.notification.NotificationIntake;
import io.windowgate.notification.NotificationJson;
import io.windowgate.notification.NotificationJson.MalformedJsonException;
import io.windowgate.notification.NotificationRequest;

/**
 * {@code POST /api/notifications} (its bearer token checked by {@link io.windowgate.http.ApiAuthentication}): reads one
 * notification or an array, stores each through {@link NotificationIntake} and reports every item's outcome. Every
 * accepted notification is committed before the answer is built, so a 202 means it is stored.
 */
public final class CrmPushApi {

    /** The array holds more notifications than {@code crm.max-batch}. */
    public static final class BatchTooLargeException extends Exception {
        public BatchTooLargeException(String message) {
            super(message);
        }
    }

    /**
     * @param answer the JSON answer: accepted and duplicate ids, rejected ids with reasons. The accepted ones are in the
     *               outbox, which sends them.
     */
    public record Outcome(String answer) {
    }

    private final int maxBatch;
    private final long maxBodyBytes;
    private final NotificationJson json;
    private final NotificationIntake intake;
    /*
     * Answers are pure ASCII: an id the CRM sent with a lone surrogate escape is answered as the same escape, where a
     * UTF-8 answer would carry '?' and name an id the CRM never sent.
     */
    private final ObjectMapper mapper = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    public CrmPushApi(int maxBatch, long maxBodyBytes, NotificationJson json, NotificationIntake intake) {
        this.maxBatch = maxBatch;
        this.maxBodyBytes = maxBodyBytes;
        this.json = json;
        this.intake = intake;
    }

    /** Whether a declared or received body length exceeds {@code crm.max-body-bytes}. */
    public boolean isTooLarge(Long length) {
        return length != null && length > maxBodyBytes;
    }

    /** The 413 answer to a body above {@code crm.max-body-bytes}. */
    public String tooLarge() {
        return error("the body is larger than crm.max-body-bytes (" + maxBodyBytes + " bytes): send fewer "
                + "notifications per request");
    }

    /** Reads, validates and stores the notifications of one request. */
    public Outcome accept(byte[] body) throws MalformedJsonException, BatchTooLargeException, SQLException {
        List<NotificationRequest> requests = json.parse(body, "crm");
        if (requests.size() > maxBatch) {
            throw new BatchTooLargeException("the array holds " + requests.size() + " notifications, more than "
                    + "crm.max-batch (" + maxBatch + "): split it into several requests");
        }
        List<String> accepted = new ArrayList<>();
        List<String> duplicates = new ArrayList<>();
        List<Map<String, Object>> rejected = new ArrayList<>();
        List<NotificationIntake.Result> results = intake.acceptAll(requests);
        for (int i = 0; i < requests.size(); i++) {
            NotificationRequest request = requests.get(i);
            NotificationIntake.Result result = results.get(i);
            switch (result.outcome()) {
                case ACCEPTED -> accepted.add(result.notification().id());
                case DUPLICATE -> duplicates.add(result.notification().id());
                case REJECTED -> {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("index", i);
                    item.put("id", request.id());
                    item.put("reason", result.reason());
                    rejected.add(item);
                }
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("accepted", accepted);
        answer.put("duplicates", duplicates);
        answer.put("rejected", rejected);
        try {
            return new Outcome(mapper.writeValueAsString(answer));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the answer", e);
        }
    }

    /** The 400 or 413 answer for a request the CRM must change: the exception's message says what to change. */
    public String errorFrom(Exception exception) {
        return error(exception.getMessage());
    }

    /** The 503 answer when the notifications cannot be stored now (the database is down, say). */
    public String unavailable() {
        return error("temporarily unable to store notifications: retry later; ids already stored are reported as "
                + "duplicates then");
    }

    /** A JSON error body: {"error": "..."}. */
    public String error(String message) {
        try {
            return mapper.writeValueAsString(Map.of("error", message == null ? "" : message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
