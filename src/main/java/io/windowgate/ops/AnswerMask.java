package io.windowgate.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.windowgate.http.ApiAuthentication;
import io.windowgate.notification.PhoneMask;

/**
 * Masks the phone numbers in an API answer ({@code +14*******23}) unless the caller holds the admin token: a field
 * that is a number ({@code to}, ...) is masked whole, free text ({@code item}, {@code reason}, {@code details}, ...)
 * where it holds something written like a phone number. Ids, times and counts are left alone, so a CRM can still match
 * the answer to what it sent.
 */
public final class AnswerMask {

    /** Fields whose whole value is a phone number, or another id of the customer (wa_id, BSUID, username). */
    private static final Set<String> PHONE_FIELDS = Set.of("to", "from", "phone", "recipient", "wa_id", "waId",
            "userId", "username");
    /** Fields of free text that may quote a phone number. */
    private static final Set<String> TEXT_FIELDS = Set.of("item", "reason", "details", "title", "error", "message");

    /** The answer as this caller may see it: itself for the admin, else a masked copy. */
    public Object apply(Object answer, Object caller) {
        return ApiAuthentication.isAdmin(caller) ? answer : masked(null, answer);
    }

    private static Object masked(String field, Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((key, inner) -> copy.put(key, masked(String.valueOf(key), inner)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(inner -> copy.add(masked(field, inner)));
            return copy;
        }
        if (value instanceof String text && field != null) {
            if (PHONE_FIELDS.contains(field)) {
                return PhoneMask.mask(text);
            }
            if (TEXT_FIELDS.contains(field)) {
                return PhoneMask.maskIn(text);
            }
        }
        return value;
    }
}
