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
 * {@code from} names the business number to send from (an alias or a phone number id; null = the default).
 * {@code callbackUrl} is the receiver of the notification's status events (null = callbacks.url).
 * {@code media} holds a session message's media under its CSV column names: {@code media_type}, {@code media_link},
 * {@code media_caption}, {@code media_filename}.
 */
public record NotificationRequest(String id, String to, String text, String templateName, String templateLanguage,
        List<String> positionalParams, Map<String, String> namedParams, String category, String sendAt, String source,
        String malformed, OptInRequest optIn, Map<String, String> templateParts, String from, String callbackUrl,
        Map<String, String> media) {

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
        media = media == null ? Map.of() : media;
    }

    /** A request from {@code source} (crm, csv, mail, api), field by field; every field not set is absent. */
    public static Builder from(String source) {
        return new Builder().source(source);
    }

    /** A builder that starts with this request's fields, to change some of them. */
    public Builder toBuilder() {
        return new Builder().id(id).to(to).text(text).template(templateName, templateLanguage)
                .positionalParams(positionalParams).namedParams(namedParams).category(category).sendAt(sendAt)
                .source(source).malformed(malformed).optIn(optIn).templateParts(templateParts).sender(from)
                .callbackUrl(callbackUrl).media(media);
    }

    /** Builds a {@link NotificationRequest}; the sources set what they found and leave the rest absent. */
    public static final class Builder {
        private String id;
        private String to;
        private String text;
        private String templateName;
        private String templateLanguage;
        private List<String> positionalParams;
        private Map<String, String> namedParams;
        private String category;
        private String sendAt;
        private String source;
        private String malformed;
        private OptInRequest optIn;
        private Map<String, String> templateParts;
        private String from;
        private String callbackUrl;
        private Map<String, String> media;

        private Builder() {
        }

        public Builder id(String value) {
            id = value;
            return this;
        }

        public Builder to(String value) {
            to = value;
            return this;
        }

        public Builder text(String value) {
            text = value;
            return this;
        }

        public Builder template(String name, String language) {
            templateName = name;
            templateLanguage = language;
            return this;
        }

        public Builder positionalParams(List<String> value) {
            positionalParams = value;
            return this;
        }

        public Builder namedParams(Map<String, String> value) {
            namedParams = value;
            return this;
        }

        public Builder category(String value) {
            category = value;
            return this;
        }

        public Builder sendAt(String value) {
            sendAt = value;
            return this;
        }

        public Builder source(String value) {
            source = value;
            return this;
        }

        /** A structural problem the source already found, reported as the reason for rejecting the request. */
        public Builder malformed(String value) {
            malformed = value;
            return this;
        }

        public Builder optIn(OptInRequest value) {
            optIn = value;
            return this;
        }

        public Builder templateParts(Map<String, String> value) {
            templateParts = value;
            return this;
        }

        /** The business number to send from, as the source named it (field or column {@code from}). */
        public Builder sender(String value) {
            from = value;
            return this;
        }

        /** Where the notification's status events go (field {@code callbackUrl}, column {@code callback_url}). */
        public Builder callbackUrl(String value) {
            callbackUrl = value;
            return this;
        }

        /** A session message's media, under the CSV column names (media_type, media_link, ...). */
        public Builder media(Map<String, String> value) {
            media = value;
            return this;
        }

        public NotificationRequest build() {
            return new NotificationRequest(id, to, text, templateName, templateLanguage, positionalParams, namedParams,
                    category, sendAt, source, malformed, optIn, templateParts, from, callbackUrl, media);
        }
    }
}
