package io.windowgate.template;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Category;
import io.windowgate.notification.PhoneMask;
import io.windowgate.whatsapp.CustomerIdentity;
import io.windowgate.store.ConsentStore;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.TemplateStore;
import io.windowgate.store.TemplateStore.Entry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhooks that keep the template registry and the marketing preferences current: message_template_status_update
 * (an unpaused template releases the notifications held for it), template_category_update, user_preferences (marketing
 * stop/resume), and the stop/resume keywords a customer writes (marketing.stop-keywords, marketing.resume-keywords).
 */
public final class PolicyEvents {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyEvents.class);
    /** Marketing stopped by the user: Meta refuses MARKETING templates to them. */
    public static final int MARKETING_STOPPED = 131050;
    /** The template is paused for low quality, or disabled for good. */
    public static final int TEMPLATE_PAUSED = 132015;
    public static final int TEMPLATE_DISABLED = 132016;
    /** Status events after which a template can be sent again. */
    private static final Set<String> SENDABLE_AGAIN = Set.of("APPROVED", "REINSTATED", "UNPAUSED", "UNARCHIVED",
            "UNLOCKED", "FLAGGED");

    private final TemplateStore templates;
    private final ConsentStore consents;
    private final NotificationStore notifications;
    private final Set<String> stopKeywords;
    private final Set<String> resumeKeywords;
    private final Clock clock;

    public PolicyEvents(TemplateStore templates, ConsentStore consents, NotificationStore notifications,
            String stopKeywords, String resumeKeywords, Clock clock) {
        this.templates = templates;
        this.consents = consents;
        this.notifications = notifications;
        this.stopKeywords = keywords(stopKeywords);
        this.resumeKeywords = keywords(resumeKeywords);
        this.clock = clock;
    }

    /** message_template_status_update: returns how many held notifications an unpause released. */
    public int templateStatus(JsonNode value) throws SQLException {
        String event = value.path("event").asText("").trim().toUpperCase(Locale.ROOT);
        String name = value.path("message_template_name").asText(null);
        String language = value.path("message_template_language").asText(null);
        if (event.isEmpty()) {
            LOG.warn("Ignored a template status update without an event (template {})", name);
            return 0;
        }
        // FLAGGED warns that quality is dropping; the template can still be sent
        String status = SENDABLE_AGAIN.contains(event) ? "APPROVED" : event;
        String reason = value.path("reason").asText(null);
        if (value.path("disable_info").has("disable_date")) {
            reason = (reason == null ? "" : reason + "; ") + "disabled on " + value.path("disable_info").path("disable_date").asText();
        }
        Entry before = templates.updateStatus(value.path("message_template_id").asText(null), name, language, status,
                reason);
        String templateName = before != null ? before.name() : name;
        String templateLanguage = before != null ? before.language() : language;
        LOG.info("Template {} ({}) is now {} (event {}{})", templateName, templateLanguage, status, event,
                reason == null ? "" : ", " + reason);
        if ("APPROVED".equals(status) && templateName != null && templateLanguage != null) {
            int released = notifications.releaseHeldForTemplate(templateName, templateLanguage);
            if (released > 0) {
                LOG.info("Released {} notifications held for template {} ({})", released, templateName,
                        templateLanguage);
            }
            return released;
        }
        return 0;
    }

    /** template_category_update: Meta moved a template to another category; the registry follows. */
    public void templateCategory(JsonNode value) throws SQLException {
        String newCategory = value.path("new_category").asText(value.path("category").asText(""));
        Category category = Category.fromName(newCategory).orElse(null);
        if (category == null) {
            LOG.warn("Ignored a template category update with an unknown category '{}'", newCategory);
            return;
        }
        boolean known = templates.updateCategory(value.path("message_template_id").asText(null),
                value.path("message_template_name").asText(null), value.path("message_template_language").asText(null),
                category);
        LOG.info("Template {} ({}) moved to category {}{}", value.path("message_template_name").asText("?"),
                value.path("message_template_language").asText("?"), category, known ? "" : " (not in the registry)");
    }

    /**
     * user_preferences: the customer stopped or resumed marketing messages. Applied to every number of the customer
     * ({@code wa_id}, or the BSUID {@code user_id} when the number is withheld); a BSUID no number is linked to yet
     * changes nothing and is recorded, since there is no number to keep the choice under.
     */
    public void userPreferences(JsonNode value, CustomerIdentity identity) throws SQLException {
        for (JsonNode preference : value.path("user_preferences")) {
            String waId = preference.path("wa_id").asText("");
            String userId = preference.path("user_id").asText("");
            String choice = preference.path("value").asText("").toLowerCase(Locale.ROOT);
            if (!(CustomerIdentity.isWaId(waId) || CustomerIdentity.isUserId(userId))
                    || !"marketing_messages".equals(preference.path("category").asText())
                    || !(choice.equals("stop") || choice.equals("resume"))) {
                LOG.debug("Ignored a user preference {} for {}", choice, waId);
                continue;
            }
            long epoch = preference.path("timestamp").asLong(0);
            Instant at = epoch > 0 ? Instant.ofEpochSecond(epoch) : clock.instant();
            Set<String> numbers = identity.numbersOf(waId, userId);
            if (numbers.isEmpty()) {
                identity.unmatchedPreference(userId, "marketing " + choice);
            }
            for (String number : numbers) {
                marketing(number, choice.equals("stop"), "user_preferences webhook", at);
            }
        }
    }

    /** An inbound text: a stop or resume keyword (the whole message, any case) changes the marketing preference. */
    public void inboundText(String recipient, String text, Instant at) throws SQLException {
        String word = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        if (stopKeywords.contains(word)) {
            marketing(recipient, true, "keyword " + word, at);
        } else if (resumeKeywords.contains(word)) {
            marketing(recipient, false, "keyword " + word, at);
        }
    }

    /** Whether a refusal with this code teaches something about the recipient or the template. */
    public static boolean teaches(Integer code) {
        return code != null && (code == MARKETING_STOPPED || code == TEMPLATE_PAUSED || code == TEMPLATE_DISABLED);
    }

    /**
     * A refusal (an error answer or a failed status) that teaches something: 131050 (the recipient stopped marketing),
     * 132015/132016 (the template is paused/disabled).
     */
    public void refusal(String recipient, String templateName, String templateLanguage, Integer code)
            throws SQLException {
        if (!teaches(code)) {
            return;
        }
        if (code == MARKETING_STOPPED && recipient != null) {
            marketing(recipient, true, "error 131050", clock.instant());
        } else if (code != MARKETING_STOPPED && templateName != null && templateLanguage != null) {
            templates.updateStatus(null, templateName, templateLanguage,
                    code == TEMPLATE_PAUSED ? "PAUSED" : "DISABLED", "error " + code);
        }
    }

    private void marketing(String recipient, boolean stop, String source, Instant at) throws SQLException {
        if (consents.setMarketing(recipient, stop, source, at)) {
            LOG.info("Recipient {} {} marketing messages ({})", PhoneMask.mask(recipient), stop ? "stopped" : "resumed",
                    source);
        }
    }

    private static Set<String> keywords(String list) {
        return list == null || list.isBlank() ? Set.of() : Arrays.stream(list.split(","))
                .map(k -> k.trim().toUpperCase(Locale.ROOT)).filter(k -> !k.isEmpty()).collect(Collectors.toSet());
    }
}
