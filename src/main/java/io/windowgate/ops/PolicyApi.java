package io.windowgate.ops;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.NotificationRequest;
import io.windowgate.notification.NotificationValidator;
import io.windowgate.ops.OperationsApi.BadRequestException;
import io.windowgate.store.ConsentStore;
import io.windowgate.store.ConsentStore.MarketingPreference;
import io.windowgate.store.ConsentStore.OptIn;
import io.windowgate.store.TemplateStore;
import io.windowgate.store.TemplateStore.Entry;
import io.windowgate.template.TemplateLoader;
import io.windowgate.template.TemplateLoader.BadTemplatesException;

/**
 * The template registry and consent part of the operations API (routes/template-list-api.camel.yaml and
 * routes/consent-record-api.camel.yaml): list and load templates, record an opt-in with its evidence, and show what is on record for a recipient.
 */
public final class PolicyApi {

    private final TemplateStore templates;
    private final TemplateLoader loader;
    private final ConsentStore consents;
    private final NotificationValidator validator;
    private final java.time.Clock clock;
    private final ObjectMapper mapper = new ObjectMapper();

    public PolicyApi(TemplateStore templates, TemplateLoader loader, ConsentStore consents,
            NotificationValidator validator, java.time.Clock clock) {
        this.templates = templates;
        this.loader = loader;
        this.consents = consents;
        this.validator = validator;
        this.clock = clock;
    }

    /**
     * {@code {"templates": [...], "sync": {...}}}: every registered template (name, language, status, category, Meta's
     * id, the reason of its last status) and the last sync with the Graph API (null fields when it never ran).
     */
    public Map<String, Object> templates() throws SQLException {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Entry e : templates.list()) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", e.name());
            view.put("language", e.language());
            view.put("status", e.status());
            view.put("category", e.category() == null ? null : e.category().name());
            view.put("id", e.templateId());
            view.put("reason", e.reason());
            view.put("definitionKnown", e.definition() != null);
            view.put("updatedAt", e.updatedAt().toString());
            list.add(view);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("templates", list);
        TemplateStore.SyncState state = templates.syncState();
        Map<String, Object> sync = new LinkedHashMap<>();
        sync.put("outcome", state == null ? null : state.outcome());
        sync.put("attemptedAt", state == null || state.attemptedAt() == null ? null : state.attemptedAt().toString());
        sync.put("succeededAt", state == null || state.succeededAt() == null ? null : state.succeededAt().toString());
        sync.put("templates", state == null ? null : state.templates());
        sync.put("detail", state == null ? null : state.detail());
        answer.put("sync", sync);
        return answer;
    }

    /** Loads templates in the Graph API's format; all or nothing: {"loaded": n, "errors": [...]}. */
    public Map<String, Object> loadTemplates(byte[] body) throws BadRequestException, SQLException {
        try {
            Map<String, Object> answer = loader.load(body);
            if (!((List<?>) answer.get("errors")).isEmpty()) {
                throw new BadRequestException("no template was loaded: " + String.join("; ",
                        (List<String>) answer.get("errors")));
            }
            return answer;
        } catch (BadTemplatesException e) {
            throw new BadRequestException(e.getMessage());
        }
    }

    /**
     * Records an opt-in: {@code {"to": "+1...", "scope": "ALL|UTILITY|MARKETING|AUTHENTICATION", "source": "web-form",
     * "evidence": "...", "at": "2026-05-01T09:30:00Z"}} (scope defaults to ALL, at to now).
     */
    public Map<String, Object> recordOptIn(byte[] body) throws BadRequestException, SQLException {
        JsonNode request;
        try {
            request = mapper.readTree(body == null ? new byte[0] : body);
        } catch (IOException e) {
            throw new BadRequestException("the body is not JSON: send {\"to\": \"+14155550123\", \"source\": \"...\"}");
        }
        if (request == null || !request.isObject() || !request.hasNonNull("to") || !request.hasNonNull("source")) {
            throw new BadRequestException("send {\"to\": \"+14155550123\", \"source\": \"web-form\", \"scope\": \"ALL\", "
                    + "\"evidence\": \"...\", \"at\": \"2026-05-01T09:30:00Z\"}: 'to' and 'source' are required");
        }
        // the notification rules check the number and the opt-in fields, exactly as for a CRM notification's optIn
        NotificationValidator.Result checked = validator.validate(NotificationRequest.from("api").id("consent")
                .to(text(request, "to")).text("-").optIn(new NotificationRequest.OptInRequest(text(request, "scope"),
                        text(request, "source"), text(request, "evidence"), text(request, "at"))).build());
        if (!checked.valid()) {
            throw new BadRequestException(checked.reason());
        }
        NotificationValidator.OptIn optIn = checked.optIn();
        String to = checked.notification().to();
        consents.recordOptIn(to, optIn.scope(), optIn.source(), optIn.evidence(),
                optIn.at() == null ? clock.instant() : optIn.at());
        return consent(to);
    }

    /** What is on record for a recipient: opt-ins with their evidence, and the marketing preference. */
    public Map<String, Object> consent(String recipient) throws SQLException {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("to", recipient);
        List<Map<String, Object>> optIns = new ArrayList<>();
        for (OptIn o : consents.optIns(recipient)) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("scope", o.scope());
            item.put("source", o.source());
            item.put("evidence", o.evidence());
            item.put("optedInAt", o.optedInAt().toString());
            optIns.add(item);
        }
        view.put("optIns", optIns);
        MarketingPreference marketing = consents.marketing(recipient);
        view.put("marketing", marketing == null ? "RECEIVES" : marketing.stopped() ? "STOPPED" : "RECEIVES");
        view.put("marketingChangedAt", marketing == null ? null : marketing.changedAt().toString());
        view.put("marketingSource", marketing == null ? null : marketing.source());
        return view;
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }
}
