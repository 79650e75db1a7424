package io.windowgate.store;

import java.time.Instant;

import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;

/**
 * A notification as stored, with its delivery state, the last error the provider reported and its place in the outbox:
 * when it is due next, who holds its claim, since when a send's outcome is unknown, and the retries used.
 */
public record StoredNotification(Notification notification, Status status, String route, String wamid, int attempts,
        Integer errorCode, String errorTitle, String errorDetails, Instant createdAt, Instant updatedAt,
        Instant nextAttemptAt, String leaseOwner, Instant outcomeUnknownSince, int retries) {
}
