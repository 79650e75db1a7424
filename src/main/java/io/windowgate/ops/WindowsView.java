package io.windowgate.ops;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.NotificationRequest;
import io.windowgate.notification.NotificationValidator;
import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.ops.OperationsApi.BadRequestException;
import io.windowgate.store.ContactStore;
import io.windowgate.store.ContactStore.Contact;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.store.SessionWindowStore.Window;

/**
 * GET /api/windows/{to}: the customer's window on each configured business number (open or not, since and until when)
 * and what WhatsApp calls the customer (wa_id, business-scoped user id, username), for an operator asking "why was this
 * notification held" or "may a free-form reply go out now, and from which number".
 */
public final class WindowsView {

    private final SessionWindowStore windows;
    private final ContactStore contacts;
    private final BusinessNumbers numbers;
    private final NotificationValidator validator;
    private final SessionWindowPolicy policy;
    private final Clock clock;

    public WindowsView(SessionWindowStore windows, ContactStore contacts, BusinessNumbers numbers,
            NotificationValidator validator, SessionWindowPolicy policy, Clock clock) {
        this.windows = windows;
        this.contacts = contacts;
        this.numbers = numbers;
        this.validator = validator;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * The windows of {@code to} (any form a source may send; normalised as a notification's {@code to} is), one entry per
     * configured business number: {@code OPEN} (free-form text may go until {@code sendableUntil}), {@code EXPIRED}
     * (more than {@code window.hours} since the customer's latest message), {@code CLOSED} (the provider refused a
     * session message with 131047 since), or {@code NONE} (the customer never wrote to that number).
     */
    public Map<String, Object> windowsOf(String to) throws BadRequestException, SQLException {
        NotificationValidator.Result checked = validator.validate(NotificationRequest.from("api").id("window")
                .to(to).text("-").build());
        if (!checked.valid()) {
            throw new BadRequestException(checked.reason());
        }
        String recipient = checked.notification().to();
        Map<String, Window> stored = new LinkedHashMap<>();
        for (Window w : windows.windowsOf(recipient)) {
            stored.put(w.businessNumber(), w);
        }
        Instant now = clock.instant();
        List<Map<String, Object>> list = new ArrayList<>();
        for (BusinessNumbers.BusinessNumber number : numbers.all()) {
            Window w = stored.remove(number.alias());
            list.add(entry(number.alias(), number.id(), w, now));
        }
        // windows of numbers removed from the configuration since: shown, so nothing stored is hidden
        for (Window w : stored.values()) {
            list.add(entry(w.businessNumber(), null, w, now));
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("to", recipient);
        Contact contact = contacts.find(recipient);
        if (contact == null) {
            view.put("contact", null);
        } else {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("waId", contact.waId());
            c.put("userId", contact.userId());
            c.put("username", contact.username());
            c.put("learnedFrom", contact.learnedFrom());
            c.put("updatedAt", contact.updatedAt().toString());
            view.put("contact", c);
        }
        view.put("windows", list);
        return view;
    }

    private Map<String, Object> entry(String alias, String phoneNumberId, Window w, Instant now) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("businessNumber", alias);
        e.put("phoneNumberId", phoneNumberId == null || phoneNumberId.isEmpty() ? null : phoneNumberId);
        if (w == null) {
            e.put("state", "NONE");
            e.put("lastInboundAt", null);
            e.put("closesAt", null);
            e.put("sendableUntil", null);
            return e;
        }
        Instant closesAt = policy.closesAt(w.lastInboundAt());
        Instant sendableUntil = policy.sendableUntil(w.lastInboundAt());
        String state = w.state();
        if ("OPEN".equals(state) && !sendableUntil.isAfter(now)) {
            // the sweep has not run since: the rule, not the housekeeping, decides
            state = "EXPIRED";
        }
        e.put("state", state);
        e.put("lastInboundAt", w.lastInboundAt().toString());
        e.put("closesAt", "CLOSED".equals(state) ? null : closesAt.toString());
        e.put("sendableUntil", "OPEN".equals(state) ? sendableUntil.toString() : null);
        return e;
    }
}
