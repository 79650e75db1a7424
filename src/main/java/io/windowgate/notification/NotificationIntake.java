package io.windowgate.notification;

import java.sql.SQLException;
import java.time.Clock;

import io.windowgate.store.NotificationStore;

/**
 * The front door every source uses (SPEC section 3, steps 1 to 3): validate, then store under the notification id.
 * The store is the idempotency record, so a duplicate id is recognised however many nodes or sources see it.
 */
public final class NotificationIntake {

    /** What became of one submitted notification. */
    public enum Outcome { ACCEPTED, DUPLICATE, REJECTED }

    /**
     * @param notification the canonical notification (null when rejected)
     * @param status       the stored status of an accepted notification: QUEUED or SCHEDULED
     * @param reason       why it was rejected, in words a person can act on
     */
    public record Result(Outcome outcome, Notification notification, Status status, String reason) {

        /** Whether the caller should hand the notification to notification-dispatch now. */
        public boolean dispatchNow() {
            return outcome == Outcome.ACCEPTED && status == Status.QUEUED;
        }
    }

    private final NotificationValidator validator;
    private final NotificationStore store;
    private final Clock clock;

    public NotificationIntake(NotificationValidator validator, NotificationStore store, Clock clock) {
        this.validator = validator;
        this.store = store;
        this.clock = clock;
    }

    public Result accept(NotificationRequest request) throws SQLException {
        NotificationValidator.Result validation = validator.validate(request);
        if (!validation.valid()) {
            return new Result(Outcome.REJECTED, null, Status.REJECTED, validation.reason());
        }
        Notification n = validation.notification();
        Status status = n.sendAt() != null && n.sendAt().isAfter(clock.instant()) ? Status.SCHEDULED : Status.QUEUED;
        if (!store.insert(n, status)) {
            return new Result(Outcome.DUPLICATE, n, null, "id " + n.id() + " was already accepted");
        }
        return new Result(Outcome.ACCEPTED, n, status, null);
    }
}
