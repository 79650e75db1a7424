package io.windowgate.whatsapp;

/**
 * An error the provider reported, synchronously (HTTP answer) or in a failed status webhook. {@code code} is the Cloud
 * API {@code error.code}; it is null when the answer carried none (e.g. a gateway's HTML error page).
 */
public record ProviderError(int httpStatus, Integer code, String title, String details) {

    /** Error 131047: more than 24 hours since the customer last wrote; a free-form message cannot be sent. */
    public static final int WINDOW_CLOSED = 131047;

    public boolean windowClosed() {
        return code != null && code == WINDOW_CLOSED;
    }

    /** One line for logs and the status API: code, title and details, never the request. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(code == null ? "HTTP " + httpStatus : "error " + code);
        if (title != null && !title.isBlank()) {
            sb.append(" (").append(title).append(')');
        }
        if (details != null && !details.isBlank()) {
            sb.append(": ").append(details);
        }
        return sb.toString();
    }
}
