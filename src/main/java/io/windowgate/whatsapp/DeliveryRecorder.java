package io.windowgate.whatsapp;

import java.io.IOException;
import java.sql.SQLException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.DispatchPolicy.Decision;
import io.windowgate.notification.Notification;
import io.windowgate.notification.PhoneMask;
import io.windowgate.notification.Status;
import io.windowgate.store.NotificationStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records the outcome of each dispatch and send attempt on the notification, and logs it (phone numbers masked). */
public final class DeliveryRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRecorder.class);

    private final NotificationStore store;
    private final ProviderErrors errors;
    private final ObjectMapper json = new ObjectMapper();

    public DeliveryRecorder(NotificationStore store, ProviderErrors errors) {
        this.store = store;
        this.errors = errors;
    }

    /** The provider accepted the message; stores the wamid from {@code messages[0].id}. Returns SENT. */
    public Status sent(Notification n, String route, String responseBody) throws SQLException {
        String wamid = null;
        try {
            JsonNode answer = json.readTree(responseBody == null ? "" : responseBody);
            wamid = answer == null ? null : answer.path("messages").path(0).path("id").asText(null);
        } catch (IOException e) {
            LOG.warn("Notification {}: provider answered 2xx with a body that is not JSON; no wamid stored", n.id());
        }
        store.markSent(n.id(), route, wamid);
        LOG.info("Notification {} sent to {} as a {} message (wamid {})", n.id(), PhoneMask.mask(n.to()), route, wamid);
        return Status.SENT;
    }

    /** The send failed for good (permanent error, or transient errors until redeliveries ran out). Returns FAILED. */
    public Status failed(Notification n, String route, Exception exception, int redeliveries) throws SQLException {
        ProviderError error = errors.fromException(exception);
        String details = error.details();
        if (redeliveries > 0) {
            details = (details == null ? "" : details + " ") + "(gave up after " + (redeliveries + 1) + " attempts)";
        }
        store.markFailed(n.id(), route, error.code(), error.title(), details);
        LOG.warn("Notification {} to {} FAILED as a {} message: {}", n.id(), PhoneMask.mask(n.to()), route,
                error.describe() + (redeliveries > 0 ? " after " + (redeliveries + 1) + " attempts" : ""));
        return Status.FAILED;
    }

    /** The provider refused a session message because the window had closed (131047); the caller re-routes it. */
    public void windowClosed(Notification n, Exception exception) throws SQLException {
        ProviderError error = errors.fromException(exception);
        store.noteError(n.id(), error.code(), error.title(), error.details());
        LOG.info("Notification {}: provider says the window of {} is closed (131047); re-routing", n.id(),
                PhoneMask.mask(n.to()));
    }

    /** Whether a failed send is the provider's 131047 answer. */
    public boolean isWindowClosed(Exception exception) {
        return errors.fromException(exception).windowClosed();
    }

    /**
     * Window closed and no usable template: HELD until the customer writes in, or REJECTED (per configuration).
     * Returns the status given.
     */
    public Status notSendable(Notification n, Decision decision) throws SQLException {
        Status status = decision == Decision.HOLD ? Status.HELD : Status.REJECTED;
        String reason = decision == Decision.HOLD
                ? "window closed and no template given: held until the customer writes in"
                : "window closed and no template given (window.closed-without-template=reject)";
        store.markNotSendable(n.id(), status, reason);
        LOG.info("Notification {} to {} {}: {}", n.id(), PhoneMask.mask(n.to()), status, reason);
        return status;
    }
}
