package io.windowgate.notification;

import java.util.Locale;
import java.util.Optional;

/** The three template categories Meta prices and polices by; legacy (pre-2023) names map onto them. */
public enum Category {
    UTILITY, MARKETING, AUTHENTICATION;

    /** Maps a current or legacy category name (any case); empty when the name is unknown. */
    public static Optional<Category> fromName(String name) {
        return switch (name.trim().toUpperCase(Locale.ROOT)) {
            case "UTILITY", "ACCOUNT_UPDATE", "PAYMENT_UPDATE", "PERSONAL_FINANCE_UPDATE", "SHIPPING_UPDATE",
                    "RESERVATION_UPDATE", "ISSUE_RESOLUTION", "APPOINTMENT_UPDATE", "TRANSPORTATION_UPDATE",
                    "TICKET_UPDATE", "ALERT_UPDATE", "AUTO_REPLY", "TRANSACTIONAL" -> Optional.of(UTILITY);
            case "MARKETING" -> Optional.of(MARKETING);
            case "AUTHENTICATION", "OTP" -> Optional.of(AUTHENTICATION);
            default -> Optional.empty();
        };
    }
}
