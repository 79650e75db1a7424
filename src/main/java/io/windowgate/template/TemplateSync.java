package io.windowgate.template;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.windowgate.store.TemplateStore;
import io.windowgate.store.TemplateStore.Entry;
import io.windowgate.template.TemplateDefinition.InvalidTemplateException;
import io.windowgate.text.Excerpt;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the template registry in step with the WhatsApp Business Account: route {@code template-sync} GETs
 * {@code <api base>/<waba id>/message_templates} page by page ({@code paging.cursors.after}, for as long as
 * {@code paging.next} is given), and only once every page has arrived are the templates written, changes logged, and
 * templates Meta no longer lists marked {@code DELETED}. A failed page changes nothing: the registry stays as it was.
 * The outcome is stored for every node ({@code GET /api/templates}) and counted on the metric
 * {@code windowgate_template_sync_total{outcome}}.
 */
public final class TemplateSync {

    private static final Logger LOG = LoggerFactory.getLogger(TemplateSync.class);
    /** The fields the registry reads; the Graph API answers only its default fields without this. */
    private static final String FIELDS = "name,language,status,category,components,parameter_format,id,rejected_reason";
    private static final int PAGE_SIZE = 100;
    /** A guard against a provider that keeps answering with a next page: far above any real account. */
    static final int MAX_PAGES = 500;
    private static final int LOGGED_CHANGES = 50;

    private final TemplateStore store;
    private final String listUrl;
    private final Supplier<MeterRegistry> meters;
    private final ObjectMapper json = new ObjectMapper();

    /** The templates of one sync, gathered page by page; nothing is written until the last page arrived. */
    public static final class Listing {
        private final List<TemplateDefinition> templates = new ArrayList<>();
        private final Set<String> listed = new HashSet<>();
        private final List<String> skipped = new ArrayList<>();
        private final Set<String> cursors = new HashSet<>();
        private int pages;
    }

    /** A page that is not the Graph API's answer, or paging that goes round in circles. */
    public static final class BadPageException extends Exception {
        public BadPageException(String message) {
            super(message);
        }
    }

    public TemplateSync(TemplateStore store, String apiBaseUrl, String wabaId, Supplier<MeterRegistry> meters) {
        this.store = store;
        this.listUrl = apiBaseUrl.replaceAll("/+$", "") + "/" + wabaId + "/message_templates";
        this.meters = meters;
    }

    /** The list's URL without query (the route sets the query per page: no cursor, and so no token, in an endpoint). */
    public String url() {
        return listUrl;
    }

    public Listing begin() {
        return new Listing();
    }

    /** The query of the first page. */
    public String firstQuery() {
        return "fields=" + FIELDS + "&limit=" + PAGE_SIZE;
    }

    /**
     * Reads one page into the listing; returns the query of the next page, or null after the last one (no
     * {@code paging.next}).
     */
    public String page(Listing listing, byte[] body) throws BadPageException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw new BadPageException("page " + (listing.pages + 1) + " is not JSON: " + Excerpt.of(e.getMessage()));
        }
        if (root == null || !root.path("data").isArray()) {
            throw new BadPageException("page " + (listing.pages + 1) + " has no data[] array: "
                    + Excerpt.of(root == null ? "" : root.toString()));
        }
        listing.pages++;
        for (JsonNode entry : root.path("data")) {
            listing.listed.add(key(entry.path("name").asText(""), entry.path("language").asText("")));
            try {
                listing.templates.add(TemplateDefinition.parse(entry));
            } catch (InvalidTemplateException e) {
                listing.skipped.add(e.getMessage());
            }
        }
        JsonNode paging = root.path("paging");
        if (!paging.hasNonNull("next")) {
            return null;
        }
        String after = paging.path("cursors").path("after").asText("");
        if (after.isEmpty()) {
            after = queryParameter(paging.path("next").asText(""), "after");
        }
        if (after == null || after.isEmpty()) {
            throw new BadPageException("page " + listing.pages + " names a next page but no 'after' cursor");
        }
        if (!listing.cursors.add(after) || listing.pages >= MAX_PAGES) {
            throw new BadPageException("paging does not end: page " + listing.pages + " leads back to a cursor "
                    + "already read, or there are more than " + MAX_PAGES + " pages");
        }
        return firstQuery() + "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8);
    }

    /** Every page arrived: writes the templates, marks those Meta no longer lists, logs and records what changed. */
    public void finish(Listing listing) throws SQLException {
        Map<String, Entry> before = new HashMap<>();
        for (Entry e : store.list()) {
            before.put(key(e.name(), e.language()), e);
        }
        List<String> changes = new ArrayList<>();
        for (TemplateDefinition t : listing.templates) {
            Entry old = before.get(key(t.name(), t.language()));
            String change = change(old, t);
            if (change != null) {
                store.put(t);
                changes.add(change);
            }
        }
        for (Entry old : before.values()) {
            if (old.templateId() != null && !"DELETED".equals(old.status())
                    && !listing.listed.contains(key(old.name(), old.language()))) {
                store.markDeleted(old.name(), old.language(), "no longer in the WhatsApp Business Account's "
                        + "template list");
                changes.add(label(old.name(), old.language()) + ": " + old.status() + " -> DELETED (no longer listed)");
            }
        }
        for (int i = 0; i < Math.min(changes.size(), LOGGED_CHANGES); i++) {
            LOG.info("Template sync: {}", changes.get(i));
        }
        String detail = listing.templates.size() + " templates in " + listing.pages + " pages, " + changes.size()
                + " changed" + (listing.skipped.isEmpty() ? "" : ", " + listing.skipped.size() + " skipped ("
                + String.join("; ", listing.skipped) + ")");
        for (String skipped : listing.skipped) {
            LOG.warn("Template sync skipped a template the registry cannot use: {}", skipped);
        }
        LOG.info("Template sync done: {}", detail);
        store.recordSync(true, detail, listing.templates.size());
        count("ok");
    }

    /** A page could not be read (HTTP error, timeout, bad page): the registry stays as it was. */
    public void failed(Exception exception) throws SQLException {
        String reason = reason(exception);
        LOG.warn("Template sync failed, the registry is unchanged: {}", reason);
        store.recordSync(false, reason, 0);
        count("failed");
    }

    private static String change(Entry old, TemplateDefinition t) {
        String label = label(t.name(), t.language());
        if (old == null) {
            return label + ": new, " + t.status();
        }
        List<String> what = new ArrayList<>();
        if (!t.status().equals(old.status())) {
            what.add(old.status() + " -> " + t.status());
        }
        String category = t.category() == null ? null : t.category().name();
        if (!Objects.equals(category, old.category() == null ? null : old.category().name())) {
            what.add("category " + old.category() + " -> " + category);
        }
        if (!Objects.equals(t.json(), old.definition())) {
            what.add("definition updated");
        }
        return what.isEmpty() ? null : label + ": " + String.join(", ", what);
    }

    private static String reason(Exception exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                return "the Graph API answered HTTP " + http.getStatusCode() + ": "
                        + Excerpt.of(http.getResponseBody() == null ? http.getStatusText() : http.getResponseBody());
            }
            if (t instanceof BadPageException) {
                return t.getMessage();
            }
        }
        return exception.getClass().getSimpleName() + ": " + Excerpt.of(String.valueOf(exception.getMessage()));
    }

    private void count(String outcome) {
        MeterRegistry registry = meters.get();
        if (registry != null) {
            registry.counter("windowgate.template.sync", "outcome", outcome).increment();
        }
    }

    private static String key(String name, String language) {
        return name + "\u0000" + language;
    }

    private static String label(String name, String language) {
        return name + " (" + language + ")";
    }

    private static String queryParameter(String url, String name) {
        int q = url.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : url.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
