package io.windowgate.whatsapp;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.PhoneMask;
import io.windowgate.notification.Status;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.NotificationStore.StatusOutcome;
import io.windowgate.store.SessionWindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a verified WhatsApp webhook body: every inbound message opens or refreshes its sender's window, every status
 * moves its notification forward. Loops over every entry, change, message and status; other fields are ignored.
 */
public final class WebhookEvents {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookEvents.class);

    private final SessionWindowStore windows;
    private final NotificationStore notifications;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public WebhookEvents(SessionWindowStore windows, NotificationStore notifications, Clock clock) {
        this.windows = windows;
        this.notifications = notifications;
        this.clock = clock;
    }

    /**
     * What a webhook body asks the routes to do next.
     *
     * @param recipientsWritingIn recipients whose window moved forward: their HELD notifications can be released
     * @param rerouteIds          session messages the provider refused because the window had closed (131047)
     */
    public record Outcome(int messages, int statuses, List<String> recipientsWritingIn, List<String> rerouteIds) {
    }

    /** Thrown for a body that is not a WhatsApp webhook; the route answers 400. */
    public static final class MalformedWebhookException extends Exception {
        public MalformedWebhookException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public Outcome apply(byte[] body) throws MalformedWebhookException, SQLException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw new MalformedWebhookException("webhook body is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("entry").isArray()) {
            throw new MalformedWebhookException("webhook body has no entry[] array", null);
        }
        int messages = 0;
        int statuses = 0;
        Set<String> writingIn = new LinkedHashSet<>();
        List<String> reroute = new ArrayList<>();
        for (JsonNode entry : root.path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                if (!"messages".equals(change.path("field").asText())) {
                    continue;
                }
                JsonNode value = change.path("value");
                for (JsonNode message : value.path("messages")) {
                    messages++;
                    String recipient = inboundMessage(message);
                    if (recipient != null) {
                        writingIn.add(recipient);
                    }
                }
                for (JsonNode status : value.path("statuses")) {
                    statuses++;
                    String rerouteId = statusUpdate(status);
                    if (rerouteId != null) {
                        reroute.add(rerouteId);
                    }
                }
            }
        }
        return new Outcome(messages, statuses, List.copyOf(writingIn), List.copyOf(reroute));
    }

    /** Opens or refreshes the sender's window; returns the sender when the window moved forward. */
    private String inboundMessage(JsonNode message) throws SQLException {
        String from = message.path("from").asText("");
        long epochSeconds = message.path("timestamp").asLong(-1);
        if (!from.matches("\\d{6,15}") || epochSeconds <= 0) {
            LOG.warn("Ignored an inbound message without a usable sender or timestamp (message id {})",
                    message.path("id").asText("?"));
            return null;
        }
        String recipient = "+" + from;
        // a timestamp ahead of our clock must not stretch the window past what the customer actually gave
        Instant at = Instant.ofEpochSecond(epochSeconds);
        Instant now = clock.instant();
        if (at.isAfter(now)) {
            at = now;
        }
        boolean moved = windows.recordInbound(recipient, at, message.path("id").asText(null));
        LOG.info("Inbound message from {} at {}: window {}", PhoneMask.mask(recipient), at,
                moved ? "opened or refreshed" : "unchanged (older or repeated message)");
        return moved ? recipient : null;
    }

    /** Applies one status; returns the notification id when it must be re-routed (131047 on a session message). */
    private String statusUpdate(JsonNode status) throws SQLException {
        String wamid = status.path("id").asText(null);
        String callbackId = status.path("biz_opaque_callback_data").asText(null);
        Status target = switch (status.path("status").asText("").toLowerCase(Locale.ROOT)) {
            case "sent" -> Status.SENT;
            case "delivered" -> Status.DELIVERED;
            case "read", "played" -> Status.READ;
            case "failed" -> Status.FAILED;
            default -> null;
        };
        if (wamid == null || target == null) {
            LOG.debug("Ignored status '{}' for message {}", status.path("status").asText(), wamid);
            return null;
        }
        ProviderError error = null;
        JsonNode errors = status.path("errors");
        if (errors.isArray() && !errors.isEmpty()) {
            error = ProviderErrors.fromErrorObject(0, errors.get(0));
        }
        StatusOutcome outcome = notifications.applyStatus(wamid, callbackId, target,
                error == null ? null : error.code(), error == null ? null : error.title(),
                error == null ? null : error.details(), target == Status.FAILED && error != null && error.windowClosed());
        if (outcome == StatusOutcome.REROUTE) {
            LOG.info("Notification {}: provider refused the session message, window closed (131047); re-routing",
                    callbackId);
            return callbackId;
        }
        if (target == Status.FAILED && outcome == StatusOutcome.APPLIED) {
            LOG.warn("Notification {} FAILED at the provider: {}", callbackId,
                    error == null ? "no error details" : error.describe());
        }
        return null;
    }
}
