package io.windowgate.notification;

import java.time.Instant;

/**
 * A validated notification in canonical form: the recipient is E.164, at least one of text / template / media is
 * present, and {@code sender} is the alias of the business number it goes from (BusinessNumbers). This is what the
 * dispatch and send routes carry as the message body. {@code callbackUrl} is where its status events go (null =
 * callbacks.url). {@code media} makes the session message a media message, with {@code text} as its caption when it
 * has none.
 */
public record Notification(String id, String to, String text, TemplateRef template, Category category, Instant sendAt,
        String source, String sender, String callbackUrl, MediaRef media) {

    public Notification {
        sender = sender == null ? BusinessNumbers.DEFAULT : sender;
    }

    /** A notification without media, whose events go to callbacks.url (it names no receiver of its own). */
    public Notification(String id, String to, String text, TemplateRef template, Category category, Instant sendAt,
            String source, String sender) {
        this(id, to, text, template, category, sendAt, source, sender, null, null);
    }

    /** A notification from the default business number. */
    public Notification(String id, String to, String text, TemplateRef template, Category category, Instant sendAt,
            String source) {
        this(id, to, text, template, category, sendAt, source, BusinessNumbers.DEFAULT);
    }

    public boolean hasText() {
        return text != null;
    }

    public boolean hasTemplate() {
        return template != null;
    }

    public boolean hasMedia() {
        return media != null;
    }

    /** Whether it has something to send as a session message (text or media), as opposed to a template only. */
    public boolean hasSessionContent() {
        return text != null || media != null;
    }
}
