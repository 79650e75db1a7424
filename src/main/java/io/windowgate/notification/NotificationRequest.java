package io.windowgate.notification;

import java.util.List;
import java.util.Map;

/**
 * A notification as a source delivered it, before validation: every field is the raw text (null when absent).
 * {@code malformed} carries a structural problem the source already found (e.g. a CSV row with too many fields).
 * {@code optIn} is the recipient's opt-in the source reports along with it (CRM {@code optIn}, CSV {@code opt_in}).
 * {@code templateParts} holds the header and button parameters under their CSV column names: {@code header_text},
 * {@code header_image}, {@code header_video}, {@code header_document}, {@code header_filename},
 * {@code button:N:url}, {@code button:N:quick_reply}, {@code button:N:copy_code}.
 */
public record NotificationRequest(String id, String to, String text, String templateName, String templateLanguage,
        List<String> positionalParams, Map<String, String> namedParams, String category, String sendAt, String source,
        String malformed, OptInRequest optIn, Map<String, String> templateParts) {

    /**
     * An opt-in as the source gave it: the scope (a category or ALL; null = ALL), where it was given, the evidence, and
     * when (ISO-8601; null = now).
     */
    public record OptInRequest(String scope, String source, String evidence, String at) {
    }

    public NotificationRequest {
        positionalParams = positionalParams == null ? List.of() : positionalParams;
        namedParams = namedParams == null ? Map.of() : namedParams;
        templateParts = templateParts == null ? Map.of() : templateParts;
    }

    /** A request without header or button parameters. */
    public NotificationRequest(String id, String to, String text, String templateName, String templateLanguage,
            List<String> positionalParams, Map<String, String> namedParams, String category, String sendAt,
            String source, String malformed, OptInRequest optIn) {
        this(id, to, text, templateName, templateLanguage, positionalParams, namedParams, category, sendAt, source,
                malformed, optIn, null);
    }

    /** A request without an opt-in. */
    public NotificationRequest(String id, String to, String text, String templateName, String templateLanguage,
            List<String> positionalParams, Map<String, String> namedParams, String category, String sendAt,
            String source, String malformed) {
        this(id, to, text, templateName, templateLanguage, positionalParams, namedParams, category, sendAt, source,
                malformed, null, null);
    }
}
