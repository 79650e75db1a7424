package io.windowgate.notification;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks phone numbers for logs and for API answers to callers without the admin token: keeps the first three and the
 * last two characters ("+14*******23").
 */
public final class PhoneMask {

    /**
     * Something written like a phone number in free text: international form, digits optionally grouped by single
     * spaces, dashes or dots ("+1 415 555 0100"), or a bare run of 8 to 15 digits ("14155550100", as WhatsApp writes
     * them). Dates and times do not match: their groups carry no '+' and are shorter than 8 digits.
     */
    private static final Pattern IN_TEXT = Pattern.compile("\\+\\d(?:[ .-]?\\d){6,14}|(?<![\\w.+-])\\d{8,15}(?![\\w])");

    private PhoneMask() {
    }

    public static String mask(String phone) {
        if (phone == null || phone.length() <= 5) {
            return "***";
        }
        return phone.substring(0, 3) + "*".repeat(phone.length() - 5) + phone.substring(phone.length() - 2);
    }

    /** The text with every phone number in it masked, digits and their separators alike. */
    public static String maskIn(String text) {
        if (text == null) {
            return null;
        }
        Matcher phone = IN_TEXT.matcher(text);
        StringBuilder masked = new StringBuilder(text.length());
        while (phone.find()) {
            phone.appendReplacement(masked, Matcher.quoteReplacement(mask(phone.group())));
        }
        return phone.appendTail(masked).toString();
    }
}
