package io.windowgate.notification;

import java.util.EnumSet;
import java.util.Set;

/**
 * The statuses of a notification. Delivery statuses only move forward: SENT < DELIVERED < READ. CANCELLED is final:
 * the source cancelled it before it was sent, and it never is.
 */
public enum Status {
    SCHEDULED, HELD, QUEUED, SENT, DELIVERED, READ, FAILED, REJECTED, EXPIRED, CANCELLED;

    /** The statuses from which a provider status webhook may move a notification to this one. */
    public Set<Status> forwardPredecessors() {
        return switch (this) {
            case SENT -> EnumSet.of(QUEUED);
            case DELIVERED -> EnumSet.of(QUEUED, SENT);
            case READ -> EnumSet.of(QUEUED, SENT, DELIVERED);
            case FAILED -> EnumSet.of(QUEUED, SENT, DELIVERED);
            default -> EnumSet.noneOf(Status.class);
        };
    }
}
