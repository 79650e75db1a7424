package io.windowgate.notification;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The business numbers Windowgate sends from: the default ({@code whatsapp.phone-number-id}, alias {@code default})
 * and those configured as {@code whatsapp.numbers.<alias>.id}. A notification names its sender by alias or phone number
 * id; a webhook names its number by phone number id. Notifications and windows store the alias: it is known before
 * any configuration is read (existing rows belong to {@code default}), while the default's phone number id is not.
 */
public final class BusinessNumbers {

    /** The alias of the number configured by whatsapp.phone-number-id. */
    public static final String DEFAULT = "default";
    /** The prefix of the properties of the other numbers. */
    public static final String PREFIX = "whatsapp.numbers.";

    private static final Pattern KEY = Pattern.compile(Pattern.quote(PREFIX) + "([^.]*)\\.(id|max-messages-per-second)");
    /** At most 32: the alias is stored with each notification and window (migration V14). */
    private static final Pattern ALIAS = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Pattern ID = Pattern.compile("[0-9]{1,32}");

    /**
     * One number: its alias, its phone number id (empty when the default's id is not configured), its send rate, and
     * the URLs its session and template messages are posted to.
     */
    public record BusinessNumber(String alias, String id, double maxPerSecond, String sessionUrl, String templateUrl) {

        /** The URL a message of this kind ("session" or "template") is posted to. */
        public String url(String sendRoute) {
            return "session".equals(sendRoute) ? sessionUrl : templateUrl;
        }
    }

    private final Map<String, BusinessNumber> byAlias;
    private final Map<String, BusinessNumber> byId;

    private BusinessNumbers(Map<String, BusinessNumber> byAlias) {
        this.byAlias = Collections.unmodifiableMap(byAlias);
        Map<String, BusinessNumber> ids = new LinkedHashMap<>();
        for (BusinessNumber n : byAlias.values()) {
            if (n.id().isEmpty()) {
                continue;
            }
            BusinessNumber other = ids.put(n.id(), n);
            if (other != null) {
                throw new IllegalStateException(keyOf(n.alias(), "id") + " and " + keyOf(other.alias(), "id")
                        + " are the same phone number id " + n.id() + ": give each number its own id, or remove one");
            }
        }
        this.byId = Collections.unmodifiableMap(ids);
    }

    /** Only the default number, with no id and no URLs: for tests and tools that never send. */
    public static BusinessNumbers defaultOnly() {
        Map<String, BusinessNumber> numbers = new LinkedHashMap<>();
        numbers.put(DEFAULT, new BusinessNumber(DEFAULT, "", 1, "", ""));
        return new BusinessNumbers(numbers);
    }

    /**
     * Reads the numbers.
     *
     * @param defaultNumber    the default number, as whatsapp.phone-number-id and the session and template URLs give it
     * @param numberProperties the whatsapp.numbers.* properties (other keys are ignored)
     * @param messagesUrl      the messages URL of a phone number id (in sandbox mode the sandbox's own)
     * @throws IllegalStateException naming the property, for a bad alias, a bad or repeated id, a bad rate
     */
    public static BusinessNumbers of(BusinessNumber defaultNumber, Map<String, String> numberProperties,
            java.util.function.UnaryOperator<String> messagesUrl) {
        Map<String, String> ids = new TreeMap<>();
        Map<String, String> rates = new TreeMap<>();
        for (Map.Entry<String, String> e : numberProperties.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            Matcher m = KEY.matcher(e.getKey());
            if (!m.matches()) {
                throw new IllegalStateException(e.getKey() + " is not a business number setting: use " + PREFIX
                        + "<alias>.id and " + PREFIX + "<alias>.max-messages-per-second");
            }
            String alias = m.group(1);
            if (!ALIAS.matcher(alias).matches()) {
                throw new IllegalStateException(e.getKey() + ": the alias '" + alias + "' may hold only lower-case "
                        + "letters, digits and '-', at most 32 of them (e.g. " + PREFIX + "brand-b.id)");
            }
            if (DEFAULT.equals(alias)) {
                throw new IllegalStateException(e.getKey() + ": the alias 'default' is the number of "
                        + "whatsapp.phone-number-id; give this number another alias");
            }
            (m.group(2).equals("id") ? ids : rates).put(alias, e.getValue().trim());
        }
        Map<String, BusinessNumber> numbers = new LinkedHashMap<>();
        numbers.put(DEFAULT, defaultNumber);
        for (String alias : rates.keySet()) {
            if (!ids.containsKey(alias)) {
                throw new IllegalStateException(keyOf(alias, "max-messages-per-second") + " is set but "
                        + keyOf(alias, "id") + " is not: set the phone number id of '" + alias + "'");
            }
        }
        for (Map.Entry<String, String> e : ids.entrySet()) {
            String alias = e.getKey();
            String id = e.getValue();
            if (!ID.matcher(id).matches()) {
                throw new IllegalStateException(keyOf(alias, "id") + " must be a phone number id (digits, from the "
                        + "WhatsApp Manager), was '" + id + "'");
            }
            double rate = defaultNumber.maxPerSecond();
            String rateValue = rates.get(alias);
            if (rateValue != null) {
                try {
                    rate = Double.parseDouble(rateValue);
                } catch (NumberFormatException ex) {
                    rate = -1;
                }
                if (!(rate > 0) || !Double.isFinite(rate)) {
                    throw new IllegalStateException(keyOf(alias, "max-messages-per-second") + " must be a positive "
                            + "number, was '" + rateValue + "'");
                }
            }
            String url = messagesUrl.apply(id);
            numbers.put(alias, new BusinessNumber(alias, id, rate, url, url));
        }
        return new BusinessNumbers(numbers);
    }

    /** Checks that {@code id} can be the default's phone number id; names whatsapp.phone-number-id when not. */
    public static String checkDefaultId(String id) {
        if (!id.isEmpty() && !ID.matcher(id).matches()) {
            throw new IllegalStateException("whatsapp.phone-number-id must be a phone number id (digits, from the "
                    + "WhatsApp Manager), was '" + id + "'");
        }
        return id;
    }

    private static String keyOf(String alias, String setting) {
        return DEFAULT.equals(alias) && "id".equals(setting) ? "whatsapp.phone-number-id"
                : PREFIX + alias + "." + setting;
    }

    /** The number of an alias; null when none has it. */
    public BusinessNumber byAlias(String alias) {
        return byAlias.get(alias);
    }

    /** The alias of the number with this phone number id; null when no configured number has it. */
    public String aliasOfId(String phoneNumberId) {
        BusinessNumber n = phoneNumberId == null ? null : byId.get(phoneNumberId);
        return n == null ? null : n.alias();
    }

    /**
     * The alias of the number a webhook's {@code metadata.phone_number_id} names; null for a number not configured
     * here. A change without one (no such payload is known from Meta, but the field may be missing) is the default's,
     * and so is every change while the default's phone number id is not configured (whatsapp.session.url set instead):
     * the default's changes cannot be told apart then, as before several numbers existed.
     */
    public String aliasOfWebhook(String phoneNumberId) {
        if (phoneNumberId == null || phoneNumberId.isEmpty()) {
            return DEFAULT;
        }
        String alias = aliasOfId(phoneNumberId);
        if (alias != null) {
            return alias;
        }
        return byAlias.get(DEFAULT).id().isEmpty() ? DEFAULT : null;
    }

    /** The alias a notification's {@code from} names (an alias or a phone number id); null when it names none. */
    public String resolve(String from) {
        String value = from.trim();
        BusinessNumber n = byAlias.get(value);
        return n != null ? n.alias() : aliasOfId(value);
    }

    /** The URL a message of this sender and kind ("session" or "template") is posted to. */
    public String url(String alias, String sendRoute) {
        BusinessNumber n = byAlias.get(alias);
        if (n == null) {
            throw new IllegalStateException("business number '" + alias + "' is no longer configured: configure "
                    + PREFIX + alias + ".id again to send its notifications");
        }
        return n.url(sendRoute);
    }

    /** As {@link #url(String, String)}, for the business number a notification is sent from. */
    public String urlFor(Notification n, String sendRoute) {
        return url(n.sender(), sendRoute);
    }

    /** The configured numbers, the default first. */
    public Collection<BusinessNumber> all() {
        return byAlias.values();
    }

    /** The aliases, the default first, for messages that list them. */
    public String aliases() {
        List<String> names = new ArrayList<>(byAlias.keySet());
        return String.join(", ", names);
    }
}
