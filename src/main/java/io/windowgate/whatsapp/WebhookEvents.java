package io.windowgate.whatsapp;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.callback.Callbacks;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.Notification;
import io.windowgate.notification.PhoneMask;
import io.windowgate.notification.Status;
import io.windowgate.ops.ActivityLog;
import io.windowgate.ops.ActivityLog.Kind;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.DeliveryRecords;
import io.windowgate.store.DeliveryRecords.StatusChange;
import io.windowgate.store.DeliveryRecords.StatusOutcome;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.store.SourceStore;
import io.windowgate.store.StoredNotification;
import io.windowgate.template.PolicyEvents;
import io.windowgate.template.UsageLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a verified WhatsApp webhook body: every inbound message opens or refreshes its sender's window (and puts
 * their HELD notifications back into the outbox), every status moves its notification forward. A failed status is
 * handled by its error class like a failed answer: 131047 re-routes, temporary errors, pacing and account errors send
 * again later, anything else is FAILED. Loops over every entry, change, message and status; other fields are ignored.
 * Each change is applied to the business number its {@code metadata.phone_number_id} names: a message to number B
 * opens B's window only. A change for a number not configured here changes nothing; it is recorded as a source
 * rejection (source {@code webhook}) and logged. Customers are matched by whichever id arrives, through
 * {@link CustomerIdentity}: a message from a wa_id opens the windows of every number linked to it.
 */
public final class WebhookEvents {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookEvents.class);

    private final SessionWindowStore windows;
    private final NotificationStore notifications;
    private final DeliveryRecords records;
    private final DeliveryRecorder delivery;
    private final PolicyEvents policy;
    private final UsageLedger usage;
    private final Clock clock;
    private final BusinessNumbers numbers;
    private final SourceStore rejections;
    private final CustomerIdentity identity;
    private final ActivityLog activity;
    private final ObjectMapper json = new ObjectMapper();
    private final Callbacks callbacks;

    public WebhookEvents(SessionWindowStore windows, NotificationStore notifications, DeliveryRecords records,
            DeliveryRecorder delivery, PolicyEvents policy, UsageLedger usage, Clock clock, BusinessNumbers numbers,
            SourceStore rejections, CustomerIdentity identity, ActivityLog activity, Callbacks callbacks) {
        this.activity = activity;
        this.identity = identity;
        this.callbacks = callbacks;
        this.numbers = numbers;
        this.rejections = rejections;
        this.usage = usage;
        this.windows = windows;
        this.notifications = notifications;
        this.records = records;
        this.delivery = delivery;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * What a webhook body did.
     *
     * @param released notifications put back into the outbox: held ones whose recipient wrote in, and ones to send
     *                 again after a failed status (re-routed after 131047, or retried)
     * @param oldestEventAt the provider's timestamp of the oldest message or status in the body (how late it is
     *                 applied is the webhook lag); null when none has a usable one
     */
    public record Outcome(int messages, int statuses, int released, Instant oldestEventAt) {
    }

    /** Thrown for a body that is not a WhatsApp webhook; the route answers 400. */
    public static final class MalformedWebhookException extends Exception {
        public MalformedWebhookException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Reads a webhook body: a JSON object with an {@code entry[]} array. Cheap (a tree, nothing applied), so that a
     * body is checked before it is stored for {@link #apply(JsonNode)}.
     */
    public JsonNode parse(byte[] body) throws MalformedWebhookException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw new MalformedWebhookException("webhook body is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("entry").isArray()) {
            throw new MalformedWebhookException("webhook body has no entry[] array", null);
        }
        return root;
    }

    /** Applies a body read by {@link #parse}: every message and status, one at a time. */
    public Outcome apply(JsonNode root) throws SQLException {
        int messages = 0;
        int statuses = 0;
        int released = 0;
        long oldest = Long.MAX_VALUE;
        for (JsonNode entry : root.path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                JsonNode value = change.path("value");
                String phoneNumberId = value.path("metadata").path("phone_number_id").asText("");
                String number = numbers.aliasOfWebhook(phoneNumberId);
                if (number == null) {
                    unconfiguredNumber(phoneNumberId, change);
                    continue;
                }
                switch (change.path("field").asText()) {
                    case "messages" -> { }
                    case "message_template_status_update" -> {
                        released += policy.templateStatus(value);
                        continue;
                    }
                    case "template_category_update" -> {
                        policy.templateCategory(value);
                        continue;
                    }
                    case "user_preferences" -> {
                        policy.userPreferences(value, identity);
                        continue;
                    }
                    default -> {
                        continue;
                    }
                }
                // who is who first: a message below may name its customer only by an id these entries link
                released += identity.learnFromContacts(value.path("contacts"));
                for (JsonNode message : value.path("messages")) {
                    messages++;
                    oldest = Math.min(oldest, message.path("timestamp").asLong(Long.MAX_VALUE));
                    released += inboundMessage(number, message);
                }
                for (JsonNode status : value.path("statuses")) {
                    statuses++;
                    oldest = Math.min(oldest, status.path("timestamp").asLong(Long.MAX_VALUE));
                    released += statusUpdate(number, status) ? 1 : 0;
                }
            }
        }
        return new Outcome(messages, statuses, released, oldestAt(oldest));
    }

    /** The provider's epoch second as an instant; a timestamp beyond what an Instant holds is no time at all. */
    private Instant oldestAt(long epochSecond) {
        return epochSecond > 0 && epochSecond <= clock.instant().getEpochSecond() ? Instant.ofEpochSecond(epochSecond)
                : null;
    }

    /**
     * The statuses of a body that holds nothing else: every change is a {@code messages} change for a configured
     * number, with no inbound message, contact or other field, and every status is sent, delivered, read or played,
     * names its message and carries no error. Those are the three status webhooks of every send, and they can be
     * applied as one batch ({@link DeliveryRecords#applyStatuses}), after {@link #learnAndPrice} has recorded the
     * customers' ids and Meta's pricing of the whole batch, as {@link #apply(JsonNode)} does for each. Returns null for
     * any other body, which goes through {@link #apply(JsonNode)} whole.
     */
    public PlainStatuses plainStatuses(JsonNode root) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode entry : root.path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                JsonNode value = change.path("value");
                if (!"messages".equals(change.path("field").asText())
                        || numbers.aliasOfWebhook(value.path("metadata").path("phone_number_id").asText("")) == null
                        || !value.path("messages").isEmpty() || !value.path("contacts").isEmpty()) {
                    return null;
                }
                for (JsonNode status : value.path("statuses")) {
                    Status target = target(status);
                    if (target == null || target == Status.FAILED || status.path("id").asText(null) == null
                            || !status.path("errors").isEmpty()) {
                        return null;
                    }
                    found.add(status);
                }
            }
        }
        List<StatusChange> changes = new ArrayList<>(found.size());
        long oldest = Long.MAX_VALUE;
        for (JsonNode status : found) {
            String wamid = status.path("id").asText();
            String callbackId = status.path("biz_opaque_callback_data").asText(null);
            oldest = Math.min(oldest, status.path("timestamp").asLong(Long.MAX_VALUE));
            changes.add(new StatusChange(wamid, callbackId, target(status)));
        }
        return new PlainStatuses(found, changes, new Outcome(0, changes.size(), 0, oldestAt(oldest)));
    }

    /** A body's statuses to apply in a batch (as sent, and as changes), and what the body did once they are. */
    public record PlainStatuses(List<JsonNode> statuses, List<StatusChange> changes, Outcome outcome) {
    }

    /**
     * What the statuses of a batch of plain-status webhooks teach besides the status: the customers' ids
     * ({@code recipient_id}, {@code recipient_user_id}) and Meta's pricing, each set-based (a few statements for the
     * whole batch, nothing written where nothing would change). Before the statuses are applied, as for a status on
     * its own; repeating it after a crash changes nothing.
     */
    public void learnAndPrice(List<JsonNode> statuses) throws SQLException {
        identity.learnFromStatuses(statuses);
        usage.pricedAll(statuses);
    }

    /** What applying a batched status did: the same activity count as a status applied on its own. */
    public void applied(StatusChange change, StatusOutcome outcome) {
        if (outcome == StatusOutcome.APPLIED && change.status() != Status.SENT) {
            activity.record(Kind.valueOf(change.status().name()));
        }
    }

    /** The notification status a provider status names; null for one Windowgate does not track. */
    private static Status target(JsonNode status) {
        return switch (status.path("status").asText("").toLowerCase(Locale.ROOT)) {
            case "sent" -> Status.SENT;
            case "delivered" -> Status.DELIVERED;
            case "read", "played" -> Status.READ;
            case "failed" -> Status.FAILED;
            default -> null;
        };
    }

    /**
     * A change for a phone number id that is not one of ours (another app's number in the same business account, or
     * one removed from the configuration): answered like any other, so that Meta does not retry it for days, and
     * recorded, so that an operator who forgot to configure a number can see what was dropped.
     */
    private void unconfiguredNumber(String phoneNumberId, JsonNode change) throws SQLException {
        JsonNode value = change.path("value");
        String item = change.path("field").asText("?") + ": " + value.path("messages").size() + " messages, "
                + value.path("statuses").size() + " statuses";
        String reason = "phone_number_id " + phoneNumberId + " is not a configured business number (configured: "
                + numbers.aliases() + "); nothing was changed";
        LOG.warn("Webhook change for an unconfigured business number ignored: {} ({})", reason, item);
        rejections.reject("webhook", "phone_number_id " + phoneNumberId, item, reason);
    }

    /**
     * Opens or refreshes the customer's windows on business number {@code number}, under every number of theirs known
     * ({@code from} is their wa_id; {@code from_user_id}, their BSUID, may come alone); returns how many HELD
     * notifications from that number it released. A message naming only an unknown BSUID is kept until the BSUID is
     * linked. Consent and marketing opt-out (policy.inboundText) are the customer's choice, kept per customer whichever
     * number they wrote to.
     */
    private int inboundMessage(String number, JsonNode message) throws SQLException {
        String from = message.path("from").asText("");
        String userId = message.path("from_user_id").asText("");
        String wamid = message.path("id").asText(null);
        long epochSeconds = message.path("timestamp").asLong(-1);
        boolean hasWaId = CustomerIdentity.isWaId(from);
        boolean hasUserId = CustomerIdentity.isUserId(userId);
        if ((!hasWaId && !hasUserId) || epochSeconds <= 0) {
            String reason = "inbound message without a usable sender (from: a wa_id of 6 to 15 digits, or from_user_id:"
                    + " a business-scoped user id such as US.1234), id or timestamp; nothing was changed";
            LOG.warn("Ignored an inbound message to number {}: {} (message id {})", number, reason,
                    message.path("id").asText("?"));
            rejections.reject("webhook", "message " + message.path("id").asText("?"), "inbound message to number "
                    + number, reason);
            return 0;
        }
        // a timestamp ahead of our clock must not stretch the window past what the customer actually gave; compared as
        // seconds, since one past Instant.MAX cannot even be made into an Instant
        Instant now = clock.instant();
        Instant at = epochSeconds > now.getEpochSecond() ? now : Instant.ofEpochSecond(epochSeconds);
        Set<String> customerNumbers = identity.numbersOf(hasWaId ? from : null, hasUserId ? userId : null);
        if (customerNumbers.isEmpty()) {
            identity.unmatched(number, userId, wamid != null ? wamid : userId + "@" + epochSeconds, at);
            // the source system hears of the message now, by the user id: the link to a number may never come
            callbacks.inbound(number, message, null, at);
            return 0;
        }
        int released = 0;
        boolean moved = false;
        for (String recipient : customerNumbers) {
            boolean movedHere = windows.recordInbound(number, recipient, at, wamid);
            if ("text".equals(message.path("type").asText())) {
                policy.inboundText(recipient, message.path("text").path("body").asText(null), at);
            }
            released += movedHere ? notifications.releaseHeld(number, recipient) : 0;
            moved |= movedHere;
        }
        String customer = hasWaId ? PhoneMask.mask("+" + from) : "user id " + userId;
        LOG.info("Inbound message from {} to number {} at {}: window {}{}{}", customer, number, at,
                moved ? "opened or refreshed" : "unchanged (older or repeated message)",
                customerNumbers.size() > 1 ? " for " + customerNumbers.size() + " numbers of this customer" : "",
                released > 0 ? "; " + released + " held notifications released" : "");
        // the source systems hear of the customer by the number they use: one linked to the wa_id when there is one
        String known = customerNumbers.stream().filter(n -> !n.equals("+" + from)).findFirst()
                .orElse(customerNumbers.iterator().next());
        callbacks.inbound(number, message, known, at);
        return released;
    }

    /** Applies one status; returns true when it put the notification back into the outbox. */
    private boolean statusUpdate(String number, JsonNode status) throws SQLException {
        String wamid = status.path("id").asText(null);
        String callbackId = status.path("biz_opaque_callback_data").asText(null);
        Status target = target(status);
        if (wamid == null || target == null) {
            LOG.debug("Ignored status '{}' for message {}", status.path("status").asText(), wamid);
            return false;
        }
        identity.learnFromStatus(status);
        // Meta's billing decision for this message, on whichever status carries it
        usage.priced(wamid, callbackId, status.get("pricing"));
        ProviderError error = null;
        JsonNode errors = status.path("errors");
        if (errors.isArray() && !errors.isEmpty()) {
            error = ProviderErrors.fromErrorObject(0, errors.get(0));
            delivery.countFailedStatus(error);
        }
        if (target == Status.FAILED && error != null && PolicyEvents.teaches(error.code())) {
            StoredNotification stored = notifications.findForStatus(wamid, callbackId);
            if (stored != null) {
                Notification n = stored.notification();
                policy.refusal(n.to(), n.hasTemplate() ? n.template().name() : null,
                        n.hasTemplate() ? n.template().language() : null, error.code());
            }
        }
        if (target == Status.FAILED && error != null && ErrorClass.of(error) != ErrorClass.PERMANENT) {
            if (error.windowClosed()) {
                return windowClosed(number, status, wamid, callbackId, error);
            }
            StoredNotification stored = notifications.findForStatus(wamid, callbackId);
            if (stored != null && delivery.failedStatus(stored, error)) {
                return true;
            }
        }
        StatusOutcome outcome = records.applyStatus(wamid, callbackId, target,
                error == null ? null : error.code(), error == null ? null : error.title(),
                error == null ? null : error.details(), false);
        if (target != Status.FAILED) {
            applied(new StatusChange(wamid, callbackId, target), outcome);
        } else if (outcome == StatusOutcome.APPLIED) {
            activity.record(Kind.FAILED);
        }
        if (target == Status.FAILED && outcome == StatusOutcome.APPLIED) {
            LOG.warn("Notification {} FAILED at the provider: {}", callbackId,
                    error == null ? "no error details" : error.describe());
        }
        return false;
    }

    /** 131047 on a session message: the window record is corrected and the notification is dispatched again. */
    private boolean windowClosed(String number, JsonNode status, String wamid, String callbackId, ProviderError error)
            throws SQLException {
        StatusOutcome outcome = records.applyStatus(wamid, callbackId, Status.FAILED, error.code(),
                error.title(), error.details(), true);
        if (outcome != StatusOutcome.REROUTE) {
            return false;
        }
        // the customer's window on this number is closed under every number of theirs, the one sent to included
        Set<String> customerNumbers = identity.numbersOf(status.path("recipient_id").asText(null),
                status.path("recipient_user_id").asText(null));
        StoredNotification stored = notifications.findForStatus(wamid, callbackId);
        if (stored != null) {
            customerNumbers.add(stored.notification().to());
        }
        Instant refusedAt = clock.instant();
        for (String recipient : customerNumbers) {
            windows.closeByProvider(number, recipient, refusedAt);
        }
        LOG.info("Notification {}: provider refused the session message, window closed (131047); re-routing",
                callbackId);
        return true;
    }
}
