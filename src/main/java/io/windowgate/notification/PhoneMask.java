package io.windowgate.notification;

/** Masks phone numbers for logs: keeps the first three and the last two characters ("+14*******23"). */
public final class PhoneMask {

    private PhoneMask() {
    }

    public static String mask(String phone) {
        if (phone == null || phone.length() <= 5) {
            return "***";
        }
        return phone.substring(0, 3) + "*".repeat(phone.length() - 5) + phone.substring(phone.length() - 2);
    }
}
