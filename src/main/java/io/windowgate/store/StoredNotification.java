package io.windowgate.store;

import java.time.Instant;

import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;

/** A notification as stored, with its delivery state and the last error the provider reported. */
public record StoredNotification(Notification notification, Status status, String route, String wamid, int attempts,
        Integer errorCode, String errorTitle, String errorDetails, Instant createdAt, Instant updatedAt) {
}
