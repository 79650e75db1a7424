package io.windowgate.whatsapp;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.PhoneMask;
import io.windowgate.store.ContactStore;
import io.windowgate.store.ContactStore.UnmatchedInbound;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.store.SessionWindowStore.Window;
import io.windowgate.store.SourceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches what WhatsApp calls a customer to the numbers the sources use. Windows and notifications are keyed by the
 * E.164 number a source gave; WhatsApp names the same customer by a {@code wa_id}, which can differ from that number
 * (Brazilian mobiles with or without the ninth digit), and by a business-scoped user id (BSUID), which webhooks may
 * carry without any number. Links are learned from send answers ({@code contacts[].input} → {@code wa_id}), webhook
 * {@code contacts[]} and statuses' recipient ids, and every inbound message, status and preference is applied to
 * every number of its customer.
 *
 * <p>Learning costs nothing in the common case (the answer's wa_id is the number sent to, no BSUID): only a new link
 * touches the database, and links already seen in this process are skipped without a query.
 */
public final class CustomerIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(CustomerIdentity.class);

    /** A wa_id: the digits of a phone number. */
    private static final Pattern WA_ID = Pattern.compile("\\d{6,15}");
    /**
     * A BSUID: a two-letter country code, optionally a parent marker such as {@code ENT}, then up to 128 letters and
     * digits (US.13491208655302741918, US.ENT.…).
     */
    private static final Pattern USER_ID = Pattern.compile("[A-Z]{2}(\\.[A-Z]{2,8})?\\.[A-Za-z0-9]{1,128}");
    private static final int REMEMBERED_LINKS = 10_000;

    private final ContactStore contacts;
    private final SessionWindowStore windows;
    private final NotificationStore notifications;
    private final SourceStore rejections;
    /** wa_id → "BSUID|username" already stored, so that repeated webhooks do not query again. */
    private final Map<String, String> remembered = Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > REMEMBERED_LINKS;
                }
            });

    public CustomerIdentity(ContactStore contacts, SessionWindowStore windows, NotificationStore notifications,
            SourceStore rejections) {
        this.contacts = contacts;
        this.windows = windows;
        this.notifications = notifications;
        this.rejections = rejections;
    }

    public static boolean isWaId(String value) {
        return value != null && WA_ID.matcher(value).matches();
    }

    public static boolean isUserId(String value) {
        return value != null && USER_ID.matcher(value).matches();
    }

    /**
     * The numbers of the customer a webhook names by {@code waId} and/or {@code userId} (either may be null or
     * unusable): {@code +<wa_id>} itself and every number linked to either. Empty only for an unknown BSUID alone.
     */
    public Set<String> numbersOf(String waId, String userId) throws SQLException {
        String w = isWaId(waId) ? waId : null;
        String u = isUserId(userId) ? userId : null;
        Set<String> numbers = new LinkedHashSet<>();
        if (w != null) {
            numbers.add("+" + w);
        }
        if (w != null || u != null) {
            numbers.addAll(contacts.phones(w, u));
        }
        return numbers;
    }

    /**
     * A send to {@code phone} was accepted with {@code answer}: when its {@code contacts[0].wa_id} is not the number
     * itself (or it names a BSUID), the link is stored, and windows the customer already opened under the wa_id are
     * given to the number too, so its held notifications go out. Returns how many held notifications that released.
     */
    public int learnFromSendAnswer(String phone, JsonNode answer) throws SQLException {
        JsonNode contact = answer.path("contacts").path(0);
        String waId = contact.path("wa_id").asText("");
        String userId = contact.path("user_id").asText(null);
        if (!isWaId(waId) || (phone.equals("+" + waId) && !isUserId(userId))) {
            return 0;
        }
        if (!contacts.link(phone, waId, isUserId(userId) ? userId : null, null, "send-answer")) {
            return 0;
        }
        LOG.info("Customer {} is known to WhatsApp as wa_id {}", PhoneMask.mask(phone), PhoneMask.mask("+" + waId));
        int released = shareWindows(phone, numbersOf(waId, userId));
        return released + (isUserId(userId) ? applyUnmatched(userId) : 0);
    }

    /**
     * A webhook's {@code contacts[]}: each entry's wa_id, BSUID ({@code user_id}) and {@code profile.username}.
     * Returns how many held notifications kept BSUID-only messages released once their BSUID became known.
     */
    public int learnFromContacts(JsonNode contactList) throws SQLException {
        int released = 0;
        for (JsonNode contact : contactList) {
            released += learn(contact.path("wa_id").asText(null), contact.path("user_id").asText(null),
                    contact.path("profile").path("username").asText(null), "webhook");
        }
        return released;
    }

    /** A status's {@code recipient_id} and {@code recipient_user_id}, when both are given. */
    public int learnFromStatus(JsonNode status) throws SQLException {
        return learn(status.path("recipient_id").asText(null), status.path("recipient_user_id").asText(null), null,
                "status");
    }

    /**
     * The recipient ids of many statuses (a batch of status webhooks), as {@link #learnFromStatus} would learn them one
     * by one, but asking the database once for all: a status teaches something only when it names a BSUID, and only
     * when that is not the one stored for its wa_id already, which is nearly always the case after a customer's first
     * message. Returns how many held notifications newly linked BSUIDs released.
     */
    public int learnFromStatuses(Collection<JsonNode> statuses) throws SQLException {
        Map<String, String> candidates = new LinkedHashMap<>();
        for (JsonNode status : statuses) {
            String waId = status.path("recipient_id").asText(null);
            String userId = status.path("recipient_user_id").asText(null);
            if (isWaId(waId) && isUserId(userId)) {
                // the last one wins, as learning them one by one would leave it
                candidates.put(waId, userId);
            }
        }
        candidates.entrySet().removeIf(c -> (c.getValue() + "|" + null).equals(remembered.get(c.getKey())));
        if (candidates.isEmpty()) {
            return 0;
        }
        Map<String, List<String>> stored = contacts.userIdsOf(candidates.keySet());
        int released = 0;
        for (Map.Entry<String, String> c : candidates.entrySet()) {
            List<String> known = stored.get(c.getKey());
            if (known != null && known.stream().allMatch(c.getValue()::equals)) {
                remembered.put(c.getKey(), c.getValue() + "|" + null);
            } else {
                released += learn(c.getKey(), c.getValue(), null, "status");
            }
        }
        return released;
    }

    /**
     * An inbound message that named only the BSUID {@code userId}, and no number is linked to it yet: kept, and
     * applied as soon as the BSUID is linked (a later webhook with the customer's wa_id, or a status of a send).
     */
    public void unmatched(String number, String userId, String wamid, Instant at) throws SQLException {
        contacts.recordUnmatched(wamid, number, userId, null, at);
        rejections.reject("webhook", "user_id " + userId, "inbound message " + wamid + " to number " + number,
                "the message names only the business-scoped user id " + userId + ", which is not linked to a phone "
                        + "number yet; it is kept and opens the window as soon as a webhook or a send links it");
        LOG.warn("Inbound message {} to number {} names only an unknown user id ({}): kept until it is linked", wamid,
                number, userId);
    }

    /** A preference that names only a BSUID no number is linked to: recorded, since there is nothing to apply it to. */
    public void unmatchedPreference(String userId, String preference) throws SQLException {
        String reason = "the preference names only the business-scoped user id " + userId + ", which is not linked to "
                + "a phone number yet; not applied: the customer's next message or a send to them links it";
        rejections.reject("webhook", "user_id " + userId, "user_preferences: " + preference, reason);
        LOG.warn("A {} preference was not applied: {}", preference, reason);
    }

    private int learn(String waId, String userId, String username, String source) throws SQLException {
        if (!isWaId(waId)) {
            return 0;
        }
        String u = isUserId(userId) ? userId : null;
        if (u == null && (username == null || username.isBlank())) {
            return 0;
        }
        String key = u + "|" + username;
        if (key.equals(remembered.get(waId))) {
            return 0;
        }
        boolean learned = contacts.learn(waId, u, username, source);
        remembered.put(waId, key);
        return learned && u != null ? applyUnmatched(u) : 0;
    }

    /** Windows of another number of the customer that are open now become this number's too. */
    private int shareWindows(String phone, Set<String> customerNumbers) throws SQLException {
        int released = 0;
        for (String other : customerNumbers) {
            if (other.equals(phone)) {
                continue;
            }
            for (Window window : windows.windowsOf(other)) {
                if ("OPEN".equals(window.state()) && windows.recordInbound(window.businessNumber(), phone,
                        window.lastInboundAt(), window.lastInboundWamid())) {
                    released += notifications.releaseHeld(window.businessNumber(), phone);
                }
            }
        }
        return released;
    }

    /** The kept BSUID-only messages of {@code userId} open their windows now, as of their own times. */
    private int applyUnmatched(String userId) throws SQLException {
        int released = 0;
        for (UnmatchedInbound message : contacts.unmatched(userId)) {
            for (String phone : contacts.phones(null, userId)) {
                if (windows.recordInbound(message.businessNumber(), phone, message.messageAt(), message.wamid())) {
                    released += notifications.releaseHeld(message.businessNumber(), phone);
                }
            }
            contacts.matched(message.wamid());
            LOG.info("Kept inbound message {} of user id {} applied to number {}: its customer is now known",
                    message.wamid(), userId, message.businessNumber());
        }
        return released;
    }
}
