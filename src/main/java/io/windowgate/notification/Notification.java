package io.windowgate.notification;

import java.time.Instant;

/**
 * A validated notification in canonical form: the recipient is E.164, at least one of text / template is present.
 * This is what the dispatch and send routes carry as the message body.
 */
public record Notification(String id, String to, String text, TemplateRef template, Category category, Instant sendAt,
        String source) {

    public boolean hasText() {
        return text != null;
    }

    public boolean hasTemplate() {
        return template != null;
    }
}
