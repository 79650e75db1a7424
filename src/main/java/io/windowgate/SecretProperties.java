package io.windowgate;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedCamelContext;

/**
 * Which configuration properties hold secrets, and making Camel mask them. Camel's own list of sensitive names
 * ({@code org.apache.camel.util.SensitiveUtils}) covers {@code whatsapp.access-token} and {@code db.password} but not
 * {@code whatsapp.app-secret}, {@code crm.api-token} or {@code crm.poll.auth-value}, so its property-placeholders
 * summary at startup would print those in clear, wherever they came from (-D, environment, application.properties).
 */
final class SecretProperties {

    /** Words that make any property a secret, wherever they appear in its name. */
    private static final Set<String> SECRET_WORDS = Set.of("token", "secret", "password");
    /** Secrets whose names carry none of those words. */
    static final Set<String> NAMED = Set.of("crm.poll.auth-value", "db.password", "mail.password",
            "callbacks.secret", "api.read-token", "whatsapp.access-token", "whatsapp.app-secret",
            "whatsapp.webhook.verify-token", "crm.api-token", "admin.api-token");

    private SecretProperties() {
    }

    /** Whether the property of this name holds a secret, so its value must never be logged or answered. */
    static boolean isSecret(String key) {
        String name = key.toLowerCase(Locale.ROOT);
        return NAMED.contains(name) || SECRET_WORDS.stream().anyMatch(name::contains);
    }

    /**
     * Adds every secret property the configuration holds to Camel's additional sensitive keywords, merged with any
     * set by {@code camel.main.additional-sensitive-keywords}. Camel masks a property when the text after its last
     * dot, lower-cased and without dashes, occurs in that list, so the list holds those last parts.
     */
    static void maskInCamelLogs(CamelContext context) {
        Set<String> keys = new TreeSet<>(NAMED);
        context.getPropertiesComponent().loadProperties().stringPropertyNames().forEach(keys::add);
        System.getProperties().stringPropertyNames().forEach(keys::add);
        // an environment variable names its property only up to '.' versus '-': WHATSAPP_APP_SECRET may be
        // whatsapp.app-secret or whatsapp.app.secret; both end in the same masked part
        System.getenv().keySet().forEach(name -> keys.add(name.toLowerCase(Locale.ROOT).replace('_', '.')));
        Set<String> keywords = new TreeSet<>();
        ExtendedCamelContext extension = context.getCamelContextExtension();
        String configured = extension.getAdditionalSensitiveKeywords();
        if (configured != null && !configured.isBlank()) {
            keywords.add(configured.trim());
        }
        for (String key : keys) {
            if (isSecret(key)) {
                keywords.add(camelMaskedPart(key));
            }
        }
        extension.setAdditionalSensitiveKeywords(String.join(",", keywords));
    }

    /** The part of a property name Camel compares with its sensitive keywords. */
    static String camelMaskedPart(String key) {
        return key.substring(key.lastIndexOf('.') + 1).toLowerCase(Locale.ENGLISH).replace("-", "");
    }
}
