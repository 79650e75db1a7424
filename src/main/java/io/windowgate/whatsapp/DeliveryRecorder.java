package io.windowgate.whatsapp;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Category;
import io.windowgate.notification.DispatchPolicy.Decision;
import io.windowgate.notification.Notification;
import io.windowgate.notification.PhoneMask;
import io.windowgate.notification.Status;
import io.windowgate.ops.ActivityLog;
import io.windowgate.ops.ActivityLog.Kind;
import io.windowgate.store.DeliveryRecords;
import io.windowgate.store.DeliveryRecords.HoldReason;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.OutboxClaims;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.store.StoredNotification;
import io.windowgate.template.PolicyEvents;
import io.windowgate.template.TemplatePolicy.Action;
import io.windowgate.template.UsageLedger;
import io.windowgate.template.TemplatePolicy.Verdict;
import io.windowgate.whatsapp.ProviderErrors.Failure;
import io.windowgate.whatsapp.SendGate.Admission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the outcome of each dispatch and send attempt on the notification, and logs it (phone numbers masked). A
 * failed attempt is handled by its {@link ErrorClass}: retried later with back-off, delayed for pacing or a pause, or
 * FAILED with the provider's code and details. Nothing waits in memory: a notification to try again waits in the
 * outbox (next_attempt_at).
 */
public final class DeliveryRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRecorder.class);

    /** How retries are spaced, and when to give up. */
    public record RetryPolicy(int maxRetries, Duration initialDelay, Duration maxDelay, Duration unknownOutcomeWait,
            Duration pauseDuration) {

        /** The delay before retry number {@code retry} (1-based): doubling from the initial delay, with jitter. */
        Duration backoff(int retry) {
            long base = initialDelay.toMillis() << Math.min(retry - 1, 30);
            long capped = Math.min(maxDelay.toMillis(), base < 0 ? Long.MAX_VALUE : base);
            // "equal jitter": between half and all of the delay, so that many failures do not come back in step
            return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
        }
    }

    private final NotificationStore store;
    private final DeliveryRecords records;
    private final OutboxClaims claims;
    private final SessionWindowStore windows;
    private final PolicyEvents policy;
    private final ProviderErrors errors;
    private final SendGate gate;
    private final RetryPolicy retry;
    private final UsageLedger usage;
    private final CustomerIdentity identity;
    private final ActivityLog activity;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public DeliveryRecorder(NotificationStore store, DeliveryRecords records, OutboxClaims claims,
            SessionWindowStore windows, PolicyEvents policy,
            ProviderErrors errors, SendGate gate, RetryPolicy retry, UsageLedger usage, CustomerIdentity identity,
            ActivityLog activity, Clock clock) {
        this.activity = activity;
        this.usage = usage;
        this.identity = identity;
        this.store = store;
        this.records = records;
        this.claims = claims;
        this.windows = windows;
        this.policy = policy;
        this.errors = errors;
        this.gate = gate;
        this.retry = retry;
        this.clock = clock;
    }

    /**
     * The provider accepted the message; stores the wamid from {@code messages[0].id} and the cost estimate, from the
     * window and the template's verdict (its category) dispatch already looked up; the verdict is null for a session
     * message. Returns SENT.
     */
    public Status sent(Notification n, String route, String responseBody, Instant lastInboundAt, Verdict verdict)
            throws SQLException {
        Category category = verdict == null ? null : verdict.category();
        String wamid = null;
        JsonNode answer = null;
        try {
            answer = json.readTree(responseBody == null ? "" : responseBody);
            wamid = answer == null ? null : answer.path("messages").path(0).path("id").asText(null);
        } catch (IOException e) {
            LOG.warn("Notification {}: provider answered 2xx with a body that is not JSON; no wamid stored", n.id());
        }
        try {
            records.markSent(n.id(), route, wamid, usage.estimate(route, lastInboundAt, category));
        } catch (SQLException e) {
            throw notRecorded(n, "the provider accepted it as a " + route + " message (wamid " + wamid
                    + "), but the database could not record that", e);
        }
        activity.sent(route);
        LOG.info("Notification {} sent to {} as a {} message (wamid {})", n.id(), PhoneMask.mask(n.to()), route, wamid);
        if (answer != null) {
            learnIdentity(n, answer);
        }
        return Status.SENT;
    }

    /**
     * The answer's {@code contacts[]} may say the customer is known to WhatsApp by another wa_id. The send is recorded
     * already, so a failure to store the link only costs the link: the next send or webhook teaches it again.
     */
    private void learnIdentity(Notification n, JsonNode answer) {
        try {
            int released = identity.learnFromSendAnswer(n.to(), answer);
            if (released > 0) {
                LOG.info("{} held notifications to {} released: the customer's window is open under their wa_id",
                        released, PhoneMask.mask(n.to()));
            }
        } catch (SQLException e) {
            LOG.warn("Notification {}: the customer's wa_id from the send answer could not be stored ({}); it is "
                    + "learned again from the next send or webhook", n.id(), e.getMessage());
        }
    }

    /** The gate did not let the send go now (pause, Retry-After, pacing): it waits in the outbox. Returns QUEUED. */
    public Status deferred(Notification n, Admission admission) throws SQLException {
        claims.defer(n.id(), admission.notBefore());
        LOG.debug("Notification {} to {} waits until {}: {}", n.id(), PhoneMask.mask(n.to()), admission.notBefore(),
                admission.reason());
        return Status.QUEUED;
    }

    /**
     * A send attempt failed (not 131047, which the route re-routes). Returns FAILED when the failure is final, QUEUED
     * when the notification waits in the outbox for another attempt.
     */
    public Status attemptFailed(Notification n, String route, Exception exception) {
        rethrowNotRecorded(exception);
        Failure failure = errors.classify(exception);
        errors.count(failure.error(), failure.errorClass(), "answer");
        try {
            return settle(n, route, failure);
        } catch (SQLException e) {
            throw notRecorded(n, "the send failed (" + failure.error().describe() + "), but the database could not "
                    + "record that", e);
        }
    }

    private Status settle(Notification n, String route, Failure failure) throws SQLException {
        ProviderError error = failure.error();
        ErrorClass errorClass = failure.errorClass();
        if (errorClass == ErrorClass.REROUTE || errorClass == ErrorClass.PERMANENT) {
            Status learnt = learnFromRefusal(n, error);
            return learnt != null ? learnt : failed(n, route, error, "");
        }
        boolean unknown = errorClass == ErrorClass.UNKNOWN_OUTCOME;
        // only temporary failures count against the retries, so only they need the stored count
        int retriesUsed = errorClass == ErrorClass.RETRY || unknown ? retriesUsed(n) : 0;
        NextAttempt next = nextAttempt(errorClass, retriesUsed, n, error, failure.retryAfter());
        if (next == null) {
            return failed(n, route, error, " (gave up after " + (retriesUsed + 1) + " attempts"
                    + (unknown ? "; the outcome of the last one is unknown" : "") + ")");
        }
        claims.retryLater(n.id(), next.at(), next.countsAsRetry(), unknown, error.code(), error.title(),
                error.details());
        if (unknown) {
            LOG.warn("Notification {} to {}: outcome of the send unknown ({}); waiting until {} for a status "
                    + "webhook before sending again", n.id(), PhoneMask.mask(n.to()), error.describe(), next.at());
        } else if (errorClass == ErrorClass.RETRY) {
            LOG.warn("Notification {} to {}: temporary failure {} (attempt {} of {}); next attempt at {}",
                    n.id(), PhoneMask.mask(n.to()), error.describe(), retriesUsed + 1, retry.maxRetries() + 1,
                    next.at());
        }
        return Status.QUEUED;
    }

    /** When a failed attempt is tried again, and whether that uses up one of whatsapp.retry.max-redeliveries. */
    private record NextAttempt(Instant at, boolean countsAsRetry) {
    }

    /**
     * The one retry rule, for a failed answer and for a failed status webhook alike: temporary errors back off until
     * the retries are used up, an unknown outcome waits for its status webhook, throttling waits for Retry-After (or
     * the first back-off), the pair rate for the recipient's pacing, an account error for the end of the pause.
     * Returns null when the failure is final.
     */
    private NextAttempt nextAttempt(ErrorClass errorClass, int retriesUsed, Notification n, ProviderError error,
            Duration retryAfter) throws SQLException {
        Instant now = clock.instant();
        return switch (errorClass) {
            case RETRY -> retriesUsed + 1 > retry.maxRetries() ? null
                    : new NextAttempt(now.plus(retry.backoff(retriesUsed + 1)), true);
            case UNKNOWN_OUTCOME -> retriesUsed + 1 > retry.maxRetries() ? null
                    : new NextAttempt(now.plus(retry.unknownOutcomeWait()), true);
            case THROTTLED -> new NextAttempt(retryAfter != null ? gate.throttled(retryAfter)
                    : gate.throttledWithoutRetryAfter(retry.backoff(1)), false);
            case PAIR_RATE -> new NextAttempt(gate.pairLimited(n.sender(), n.to()), false);
            case ACCOUNT -> new NextAttempt(pauseSending(error), false);
            case REROUTE, PERMANENT -> null;
        };
    }

    /**
     * What the provider's refusal teaches (PolicyEvents: 131050 stops marketing to the recipient, 132015/132016 mark
     * the template PAUSED/DISABLED). A paused template also holds the notification until it is unpaused: returns HELD.
     * Returns null when the notification is to be FAILED as usual.
     */
    public Status learnFromRefusal(Notification n, ProviderError error) throws SQLException {
        policy.refusal(n.to(), n.hasTemplate() ? n.template().name() : null,
                n.hasTemplate() ? n.template().language() : null, error.code());
        if (!n.hasTemplate() || error.code() == null || error.code() != PolicyEvents.TEMPLATE_PAUSED) {
            return null;
        }
        String reason = "template " + n.template().name() + " (" + n.template().language()
                + ") is PAUSED by Meta (error 132015): held until it is unpaused";
        records.noteError(n.id(), error.code(), error.title(), error.details());
        records.markNotSendable(n.id(), Status.HELD, reason, HoldReason.TEMPLATE);
        activity.record(Kind.HELD);
        LOG.warn("Notification {}: {}", n.id(), reason);
        return Status.HELD;
    }

    /** The template rules refused the send (TemplatePolicy): HELD or REJECTED with the reason. Returns that status. */
    public Status refused(Notification n, Verdict verdict) throws SQLException {
        Status status = verdict.action() == Action.HOLD ? Status.HELD : Status.REJECTED;
        records.markNotSendable(n.id(), status, verdict.reason(),
                status == Status.HELD ? HoldReason.TEMPLATE : null);
        if (status == Status.HELD) {
            activity.record(Kind.HELD);
        }
        LOG.info("Notification {} to {} {} before sending: {}", n.id(), PhoneMask.mask(n.to()), status,
                verdict.reason());
        return status;
    }

    /** Counts the error of a failed status webhook with the errors of the send answers. */
    public void countFailedStatus(ProviderError error) {
        errors.count(error, ErrorClass.of(error), "webhook");
    }

    /**
     * A failed status webhook: the same classes as a failed answer. Returns true when the notification went back into
     * the outbox; false when it is final (the caller stores FAILED) or had moved on.
     */
    public boolean failedStatus(StoredNotification stored, ProviderError error) throws SQLException {
        String id = stored.notification().id();
        NextAttempt next = nextAttempt(ErrorClass.of(error), stored.retries(), stored.notification(), error, null);
        if (next == null) {
            return false;
        }
        boolean requeued = records.requeueAfterFailedStatus(id, next.at(), next.countsAsRetry(), error.code(),
                error.title(), error.details());
        if (requeued) {
            LOG.warn("Notification {}: provider reported {} after accepting it; sending again at {}", id,
                    error.describe(), next.at());
        }
        return requeued;
    }

    /**
     * The provider refused a session message because the window had closed (131047): our record of the window between
     * the notification's business number and the recipient is corrected, and the caller dispatches the notification
     * again (now a template, or HELD).
     */
    public void windowClosed(Notification n, Exception exception) throws SQLException {
        ProviderError error = errors.classify(exception).error();
        errors.count(error, ErrorClass.REROUTE, "answer");
        windows.closeByProvider(n.sender(), n.to(), clock.instant());
        records.noteError(n.id(), error.code(), error.title(), error.details());
        LOG.info("Notification {}: provider says the window of {} is closed (131047); re-routing", n.id(),
                PhoneMask.mask(n.to()));
    }

    /**
     * Whether a failed send is the provider's 131047 answer. The first question asked of every failure the send's
     * doCatch hands on: one whose outcome could not be recorded is thrown again here, never classified.
     */
    public boolean isWindowClosed(Exception exception) {
        rethrowNotRecorded(exception);
        return errors.classify(exception).errorClass() == ErrorClass.REROUTE;
    }

    /**
     * The doCatch of the provider call also catches the recording of its answer ({@link #sent}), and a database
     * failure there often has a transport exception as its cause (the driver's refused connection) that the doCatch
     * matches: it is the database's failure, thrown again so that the notification is left to the outbox.
     */
    private static void rethrowNotRecorded(Exception exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof OutcomeNotRecordedException notRecorded) {
                throw notRecorded;
            }
        }
    }

    /**
     * Logs a send whose outcome the database could not store, and the exception to throw: its claim is kept until it
     * ends, then the outbox tries it again; no retry is used and no provider error stored.
     */
    private static OutcomeNotRecordedException notRecorded(Notification n, String what, SQLException e) {
        String message = "Notification " + n.id() + " to " + PhoneMask.mask(n.to()) + ": " + what + " (" + e
                + "); database error, not a provider error: it stays in the outbox and is tried again when its claim "
                + "ends, without using a retry";
        LOG.error(message);
        return new OutcomeNotRecordedException(message, e);
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
        records.markNotSendable(n.id(), status, reason);
        if (status == Status.HELD) {
            activity.record(Kind.HELD);
        }
        LOG.info("Notification {} to {} {}: {}", n.id(), PhoneMask.mask(n.to()), status, reason);
        return status;
    }

    private Status failed(Notification n, String route, ProviderError error, String suffix) throws SQLException {
        String details = error.details() == null ? suffix.trim() : error.details() + suffix;
        records.markFailed(n.id(), route, error.code(), error.title(), details.isEmpty() ? null : details);
        activity.record(Kind.FAILED);
        LOG.warn("Notification {} to {} FAILED as a {} message: {}{}", n.id(), PhoneMask.mask(n.to()), route,
                error.describe(), suffix);
        return Status.FAILED;
    }

    private Instant pauseSending(ProviderError error) throws SQLException {
        return gate.pause(clock.instant().plus(retry.pauseDuration()), error.code(),
                "provider " + error.describe()).until();
    }

    private int retriesUsed(Notification n) throws SQLException {
        StoredNotification stored = store.find(n.id());
        return stored == null ? 0 : stored.retries();
    }
}
