package io.windowgate.template;

import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.ops.OperationsApi.BadRequestException;
import io.windowgate.store.CostLedgerStore;
import io.windowgate.store.CostLedgerStore.Pricing;
import io.windowgate.store.CostLedgerStore.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What sending costs. At send time an estimate per message (per-message pricing since July 2025: a utility template
 * inside an open customer service window is free, other templates are billed, a session message is a free service
 * message); the {@code pricing} of the status webhooks then replaces it with Meta's own decision and counts it in the
 * Prometheus counter {@code windowgate_messages_priced_total{category, pricing_type, billable}}.
 */
public final class UsageLedger {

    private static final Logger LOG = LoggerFactory.getLogger(UsageLedger.class);
    /** The longest period GET /api/usage answers for. */
    private static final int MAX_DAYS = 366;
    private static final int REMEMBERED = 20_000;

    private final CostLedgerStore ledger;
    private final SessionWindowPolicy windowPolicy;
    private final Supplier<MeterRegistry> meters;
    /** Messages this process saw priced by Meta (stored before), the latest {@value #REMEMBERED} of them. */
    private final Set<String> pricedHere = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    public UsageLedger(CostLedgerStore ledger, SessionWindowPolicy windowPolicy, Supplier<MeterRegistry> meters) {
        this.ledger = ledger;
        this.windowPolicy = windowPolicy;
        this.meters = meters;
    }

    /**
     * What a message the provider just accepted is estimated to cost (DeliveryRecorder stores it with the send). The
     * recipient's last inbound message and the template's category (the registry's, as TemplatePolicy decided) come
     * from dispatch.
     */
    public CostLedgerStore.Estimate estimate(String route, Instant lastInboundAt, Category category) {
        if (!"template".equals(route)) {
            return new CostLedgerStore.Estimate("service", "free_customer_service", false);
        }
        boolean freeUtility = category != Category.MARKETING && category != Category.AUTHENTICATION
                && windowPolicy.isOpen(lastInboundAt);
        return new CostLedgerStore.Estimate(category == null ? "utility" : category.name().toLowerCase(Locale.ROOT),
                freeUtility ? "free_customer_service" : "regular", !freeUtility);
    }

    /** A status webhook's {@code pricing} object: Meta's decision for this message. */
    public void priced(String wamid, String notificationId, JsonNode pricing) throws SQLException {
        Pricing p = pricing(wamid, notificationId, pricing);
        if (p == null || pricedHere.contains(wamid)) {
            return;
        }
        if (ledger.price(p.wamid(), p.notificationId(), p.category(), p.pricingType(), p.billable(),
                p.pricingModel())) {
            counted(p);
        } else {
            pricedHere.add(wamid);
        }
    }

    /**
     * The {@code pricing} of many statuses (a batch of status webhooks: {@code id}, {@code biz_opaque_callback_data},
     * {@code pricing}) in a few statements ({@link CostLedgerStore#priceAll}). Messages this process has seen priced by
     * Meta are skipped without a query: every status of a message repeats its pricing, and Meta's first one stays.
     */
    public void pricedAll(List<JsonNode> statuses) throws SQLException {
        List<Pricing> pricings = new ArrayList<>();
        for (JsonNode status : statuses) {
            Pricing p = pricing(status.path("id").asText(null), status.path("biz_opaque_callback_data").asText(null),
                    status.get("pricing"));
            if (p != null && !pricedHere.contains(p.wamid())) {
                pricings.add(p);
            }
        }
        if (pricings.isEmpty()) {
            return;
        }
        for (Pricing p : ledger.priceAll(pricings)) {
            counted(p);
        }
        // stored now or by an earlier status: either way Meta's pricing is there and stays
        pricings.forEach(p -> pricedHere.add(p.wamid()));
    }

    /** Meta's pricing as stored, or null when the status carries none. */
    private static Pricing pricing(String wamid, String notificationId, JsonNode pricing) {
        if (pricing == null || !pricing.isObject() || wamid == null) {
            return null;
        }
        String category = pricing.path("category").asText("unknown").toLowerCase(Locale.ROOT);
        String type = pricing.path("type").asText(null);
        if (type == null) {
            // older (conversation-based) payloads have no type: only 'billable' says whether it costs
            type = pricing.path("billable").asBoolean(true) ? "regular" : "free";
        }
        boolean billable = pricing.has("billable") ? pricing.path("billable").asBoolean()
                : !type.startsWith("free");
        return new Pricing(wamid, notificationId, category, type, billable, pricing.path("pricing_model").asText(null));
    }

    /** A message priced by Meta for the first time: counted, and remembered so that its next statuses skip it. */
    private void counted(Pricing p) {
        pricedHere.add(p.wamid());
        MeterRegistry registry = meters.get();
        if (registry != null) {
            Counter.builder("windowgate.messages.priced")
                    .description("Messages priced by Meta (status webhook pricing), by category and type")
                    .tag("category", p.category()).tag("pricing_type", p.pricingType())
                    .tag("billable", Boolean.toString(p.billable()))
                    .register(registry).increment();
        }
        LOG.debug("Message {} priced by Meta: {} {} billable={}", p.wamid(), p.category(), p.pricingType(),
                p.billable());
    }

    /** GET /api/usage?from=&to= (ISO dates, both included; default: this month so far). */
    public Map<String, Object> usage(String from, String to) throws BadRequestException, SQLException {
        LocalDate end = date("to", to, LocalDate.now(java.time.ZoneOffset.UTC));
        LocalDate start = date("from", from, end.withDayOfMonth(1));
        if (start.isAfter(end) || start.plusDays(MAX_DAYS).isBefore(end)) {
            throw new BadRequestException("'from' must not be after 'to', and the period at most " + MAX_DAYS + " days");
        }
        List<Map<String, Object>> days = new ArrayList<>();
        long billable = 0;
        long messages = 0;
        for (Usage u : ledger.usage(start, end)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("day", u.day().toString());
            row.put("category", u.category());
            row.put("messages", u.messages());
            row.put("billable", u.billable());
            row.put("free", u.free());
            row.put("estimated", u.estimated());
            days.add(row);
            billable += u.billable();
            messages += u.messages();
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("from", start.toString());
        answer.put("to", end.toString());
        answer.put("messages", messages);
        answer.put("billable", billable);
        answer.put("days", days);
        return answer;
    }

    private static LocalDate date(String name, String value, LocalDate otherwise) throws BadRequestException {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            return LocalDate.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new BadRequestException("'" + name + "' must be a date such as 2026-11-01, was '" + value + "'");
        }
    }
}
