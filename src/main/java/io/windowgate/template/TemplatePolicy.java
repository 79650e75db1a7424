package io.windowgate.template;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.TemplateRef;
import io.windowgate.store.ConsentStore;
import io.windowgate.store.ConsentStore.MarketingPreference;
import io.windowgate.store.TemplateStore;
import io.windowgate.store.TemplateStore.Entry;
import io.windowgate.template.TemplateDefinition.InvalidTemplateException;

/**
 * The rules a template send must pass before it reaches the provider, so that Meta's refusals after the fact
 * (132000 parameter count, 132001 not approved in that language, 132012 parameter format, 132015 paused, 131050
 * marketing stopped) do not happen: the template is in the registry in that language and APPROVED (PAUSED holds the
 * notification until it is unpaused), its parameters match, the recipient opted in (with {@code optin.required}),
 * has not stopped marketing, and is not a +1 number for marketing (with {@code marketing.block-us}). The registry's
 * category wins over the notification's.
 */
public final class TemplatePolicy {

    /** What to do with a template send. */
    public enum Action { SEND, HOLD, REJECT }

    /** The verdict, the reason a person can act on (for HOLD and REJECT), and the category that applies. */
    public record Verdict(Action action, String reason, Category category) {

        public boolean send() {
            return action == Action.SEND;
        }
    }

    private final TemplateStore templates;
    private final ConsentStore consents;
    private final boolean rejectUnknown;
    private final boolean optInRequired;
    private final boolean blockUsMarketing;
    private final ObjectMapper json = new ObjectMapper();

    /** {@code unknownTemplates} is the value of templates.unknown: reject or send. */
    public TemplatePolicy(TemplateStore templates, ConsentStore consents, String unknownTemplates,
            boolean optInRequired, boolean blockUsMarketing) {
        this.templates = templates;
        this.consents = consents;
        this.rejectUnknown = switch (unknownTemplates.trim().toLowerCase(Locale.ROOT)) {
            case "reject" -> true;
            case "send" -> false;
            default -> throw new IllegalArgumentException("templates.unknown must be 'reject' or 'send', was '"
                    + unknownTemplates + "'");
        };
        this.optInRequired = optInRequired;
        this.blockUsMarketing = blockUsMarketing;
    }

    /** Whether a verdict of {@link #check} lets the send go (for the route's choice: see Verdict#send). */
    public boolean sends(Verdict verdict) {
        return verdict.send();
    }

    public Verdict check(Notification n) throws SQLException {
        TemplateRef ref = n.template();
        String label = "template " + ref.name() + " (" + ref.language() + ")";
        Entry entry = templates.find(ref.name(), ref.language());
        Category category = n.category();
        if (entry == null) {
            if (rejectUnknown) {
                List<String> languages = templates.languagesOf(ref.name());
                return reject(label + " is not in the template registry" + (languages.isEmpty()
                        ? ": load it (templates.file or POST /api/templates), or set templates.unknown=send"
                        : "; it is registered in " + String.join(", ", languages)), category);
            }
        } else {
            if (entry.category() != null) {
                category = entry.category();
            }
            switch (entry.status()) {
                case "APPROVED" -> { }
                case "PAUSED" -> {
                    return new Verdict(Action.HOLD, label + " is PAUSED by Meta for low quality"
                            + reasonOf(entry) + ": held until it is unpaused", category);
                }
                default -> {
                    return reject(label + " is " + entry.status() + reasonOf(entry) + ", not APPROVED: only "
                            + "approved templates can be sent", category);
                }
            }
            String mismatch = parameterMismatch(entry, ref, label);
            if (mismatch != null) {
                return reject(mismatch, category);
            }
        }
        if (category == Category.MARKETING) {
            if (blockUsMarketing && n.to().startsWith("+1")) {
                return reject("marketing templates to US (+1) numbers are blocked by Meta since April 2025 "
                        + "(marketing.block-us=true)", category);
            }
            MarketingPreference preference = consents.marketing(n.to());
            if (preference != null && preference.stopped()) {
                return reject("the recipient stopped marketing messages on " + preference.changedAt() + " ("
                        + preference.source() + "); utility and authentication messages still go out", category);
            }
        }
        if (optInRequired && !consents.hasOptIn(n.to(), category)) {
            return reject("no opt-in on record for " + (category == null ? "" : category.name().toLowerCase(Locale.ROOT)
                    + " ") + "messages to this recipient (optin.required=true): record one with the CRM's optIn, "
                    + "a CSV opt_in column or POST /api/consents", category);
        }
        return new Verdict(Action.SEND, null, category);
    }

    /** Why the notification's parameters cannot fill this template, or null when they match. */
    private String parameterMismatch(Entry entry, TemplateRef ref, String label) {
        if (entry.definition() == null) {
            return null; // only the status is known (a webhook for a template never loaded): nothing to compare
        }
        TemplateDefinition t;
        try {
            t = TemplateDefinition.parse(json.readTree(entry.definition()));
        } catch (IOException | InvalidTemplateException e) {
            return null;
        }
        if (t.named()) {
            if (!ref.positionalParams().isEmpty()) {
                return label + " takes named parameters " + t.bodyNames() + ", not a list";
            }
            Set<String> given = new TreeSet<>(ref.namedParams().keySet());
            Set<String> expected = new TreeSet<>(t.bodyNames());
            if (!given.equals(expected)) {
                return label + " takes the named parameters " + expected + ", got " + given;
            }
        } else {
            if (!ref.namedParams().isEmpty()) {
                return label + " takes " + t.positionalCount() + " positional parameters ({{1}}...), not named ones";
            }
            if (ref.positionalParams().size() != t.positionalCount()) {
                return label + " takes " + t.positionalCount() + " body parameters, got "
                        + ref.positionalParams().size();
            }
        }
        if (t.needsHeaderParam()) {
            String format = t.headerFormat();
            if (ref.header() == null || !ref.header().format().equals(format)) {
                return label + " needs a " + format + " header parameter (header_" + format.toLowerCase(Locale.ROOT)
                        + "), " + (ref.header() == null ? "none was given" : "got " + ref.header().format());
            }
        } else if (ref.header() != null) {
            return label + " takes no header parameter, got " + ref.header().format();
        }
        Set<String> needed = new TreeSet<>(t.buttonsNeedingParams());
        for (TemplateRef.Button button : ref.buttons()) {
            String key = button.index() + ":" + button.type();
            if (!needed.remove(key) && !"QUICK_REPLY".equals(button.type())) {
                return label + " takes no " + button.type() + " parameter for button " + button.index()
                        + " (its buttons with parameters: " + t.buttonsNeedingParams() + ")";
            }
        }
        if (!needed.isEmpty()) {
            return label + " needs parameters for its buttons " + needed + " (button:N:url, button:N:copy_code), "
                    + "none was given";
        }
        return null;
    }

    private static String reasonOf(Entry entry) {
        return entry.reason() == null || entry.reason().isBlank() || "NONE".equalsIgnoreCase(entry.reason())
                ? "" : " (" + entry.reason() + ")";
    }

    private static Verdict reject(String reason, Category category) {
        return new Verdict(Action.REJECT, reason, category);
    }
}
