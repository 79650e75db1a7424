package io.windowgate.notification;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.windowgate.callback.Callbacks;
import io.windowgate.outbox.Outbox;
import io.windowgate.store.ConsentStore;
import io.windowgate.store.NotificationStore;

/**
 * The front door every source uses: validate, then store under the notification id.
 * The store is the idempotency record, so a duplicate id is recognised however many nodes or sources see it, and the
 * outbox: a stored QUEUED notification is sent even if the process dies right after this call.
 */
public final class NotificationIntake {

    /** What became of one submitted notification. */
    public enum Outcome { ACCEPTED, DUPLICATE, REJECTED }

    /**
     * @param notification the canonical notification (null when rejected)
     * @param status       the stored status of an accepted notification: QUEUED or SCHEDULED
     * @param reason       why it was rejected, in words a person can act on
     * @param claimedUntil when the outbox claim that this caller holds ends, or null without one: with a claim the
     *                     caller sends the notification itself, now; one that sends later than it stored, such as the
     *                     CSV path a chunk after it was stored, checks the claim with {@link Outbox#keepStoredClaim}
     */
    public record Result(Outcome outcome, Notification notification, Status status, String reason,
            Instant claimedUntil) {

        /** A result without a claim. */
        public Result(Outcome outcome, Notification notification, Status status, String reason) {
            this(outcome, notification, status, reason, null);
        }

        /** Whether this caller holds the outbox claim and sends the notification itself, now. */
        public boolean claimed() {
            return claimedUntil != null;
        }

        /** Whether the caller should hand the notification to notification-dispatch now. */
        public boolean dispatchNow() {
            return outcome == Outcome.ACCEPTED && status == Status.QUEUED && claimed();
        }
    }

    private final NotificationValidator validator;
    private final NotificationStore store;
    private final Outbox outbox;
    private final ConsentStore consents;
    private final Clock clock;
    private final Callbacks callbacks;

    public NotificationIntake(NotificationValidator validator, NotificationStore store, Outbox outbox,
            ConsentStore consents, Clock clock) {
        this(validator, store, outbox, consents, clock, null);
    }

    /** An intake that also reports each rejected notification to the source's receiver ({@code callbacks}). */
    public NotificationIntake(NotificationValidator validator, NotificationStore store, Outbox outbox,
            ConsentStore consents, Clock clock, Callbacks callbacks) {
        this.callbacks = callbacks;
        this.validator = validator;
        this.store = store;
        this.outbox = outbox;
        this.consents = consents;
        this.clock = clock;
    }

    /** Validates and stores; the outbox sends an accepted notification (for sources that answer before the send). */
    public Result accept(NotificationRequest request) throws SQLException {
        return accept(request, false);
    }

    /**
     * Validates and stores, claiming an accepted QUEUED notification for the caller, who sends it at once (sources that
     * read one item at a time: CSV rows, mails). Should the caller die first, the outbox sends it when the claim ends.
     */
    public Result acceptToSend(NotificationRequest request) throws SQLException {
        return accept(request, true);
    }

    /**
     * {@link #acceptToSend} for a chunk of a bulk source (CSV rows), stored in one transaction. The results are in the
     * order of the requests; a repeated id within the chunk is a duplicate of its first occurrence.
     */
    public List<Result> acceptAllToSend(List<NotificationRequest> requests) throws SQLException {
        return acceptAll(requests, true);
    }

    /**
     * {@link #accept} for the items of one request (a CRM push), stored in one transaction: one commit for the request
     * instead of one per item, and none of its notifications stored unless all are. The results are in the order of
     * the requests; a repeated id within them is a duplicate of its first occurrence.
     */
    public List<Result> acceptAll(List<NotificationRequest> requests) throws SQLException {
        return acceptAll(requests, false);
    }

    private List<Result> acceptAll(List<NotificationRequest> requests, boolean claim) throws SQLException {
        List<Result> results = new ArrayList<>(requests.size());
        List<Notification> valid = new ArrayList<>();
        List<Status> statuses = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (NotificationRequest request : requests) {
            NotificationValidator.Result validation = validator.validate(request);
            if (!validation.valid()) {
                results.add(rejected(request, validation.reason()));
                continue;
            }
            recordOptIn(validation);
            Notification n = validation.notification();
            positions.add(results.size());
            results.add(null);
            valid.add(n);
            statuses.add(statusOf(n));
        }
        Instant leaseUntil = claim ? outbox.leaseUntil() : null;
        boolean[] inserted = store.insertAll(valid, statuses, claim ? outbox.owner() : null, leaseUntil);
        for (int i = 0; i < valid.size(); i++) {
            Notification n = valid.get(i);
            results.set(positions.get(i), inserted[i]
                    ? new Result(Outcome.ACCEPTED, n, statuses.get(i), null,
                            statuses.get(i) == Status.QUEUED ? leaseUntil : null)
                    : duplicate(n));
        }
        return results;
    }

    private Result accept(NotificationRequest request, boolean claim) throws SQLException {
        NotificationValidator.Result validation = validator.validate(request);
        if (!validation.valid()) {
            return rejected(request, validation.reason());
        }
        Notification n = validation.notification();
        recordOptIn(validation);
        Status status = statusOf(n);
        boolean claimed = claim && status == Status.QUEUED;
        Instant leaseUntil = outbox.leaseUntil();
        boolean inserted = claimed ? store.insertClaimed(n, outbox.owner(), leaseUntil) : store.insert(n, status);
        if (!inserted) {
            return duplicate(n);
        }
        return new Result(Outcome.ACCEPTED, n, status, null, claimed ? leaseUntil : null);
    }

    /** A request that failed validation: REJECTED with the reason, an event for the source's receiver too. */
    private Result rejected(NotificationRequest request, String reason) throws SQLException {
        if (callbacks != null) {
            callbacks.rejected(request, reason);
        }
        return new Result(Outcome.REJECTED, null, Status.REJECTED, reason);
    }

    /** An opt-in the source reports is evidence in its own right: recorded even when the notification is a duplicate. */
    private void recordOptIn(NotificationValidator.Result validation) throws SQLException {
        if (validation.optIn() != null) {
            NotificationValidator.OptIn optIn = validation.optIn();
            consents.recordOptIn(validation.notification().to(), optIn.scope(), optIn.source(), optIn.evidence(),
                    optIn.at() == null ? clock.instant() : optIn.at());
        }
    }

    private Status statusOf(Notification n) {
        return n.sendAt() != null && n.sendAt().isAfter(clock.instant()) ? Status.SCHEDULED : Status.QUEUED;
    }

    private static Result duplicate(Notification n) {
        return new Result(Outcome.DUPLICATE, n, null, "id " + n.id() + " was already accepted");
    }
}
