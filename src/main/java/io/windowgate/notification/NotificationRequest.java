package io.windowgate.notification;

import java.util.List;
import java.util.Map;

/**
 * A notification as a source delivered it, before validation: every field is the raw text (null when absent).
 * {@code malformed} carries a structural problem the source already found (e.g. a CSV row with too many fields).
 */
public record NotificationRequest(String id, String to, String text, String templateName, String templateLanguage,
        List<String> positionalParams, Map<String, String> namedParams, String category, String sendAt, String source,
        String malformed) {

    public NotificationRequest {
        positionalParams = positionalParams == null ? List.of() : positionalParams;
        namedParams = namedParams == null ? Map.of() : namedParams;
    }
}
