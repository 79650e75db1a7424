package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Category;
import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.notification.Status;
import io.windowgate.store.DeliveryRecords.HoldReason;
import io.windowgate.template.TemplateDefinition;
import io.windowgate.template.UsageLedger;
import org.junit.jupiter.api.Test;

/** The template registry and consent tables (TemplateStore, ConsentStore), and holds for a paused template. */
abstract class PolicyStoresContract extends StoreTestSupport {

    private TemplateStore templates() {
        return new TemplateStore(database.dataSource(), clock);
    }

    private ConsentStore consents() {
        return new ConsentStore(database.dataSource(), clock);
    }

    private static TemplateDefinition template(String name, String language, String status, String category)
            throws Exception {
        return TemplateDefinition.parse(new ObjectMapper().readTree("{\"name\": \"" + name + "\", \"language\": \""
                + language + "\", \"status\": \"" + status + "\", \"category\": \"" + category + "\", \"id\": \"id-"
                + name + "-" + language + "\", \"components\": [{\"type\": \"BODY\", \"text\": \"Hi {{1}}\"}]}"));
    }

    @Test
    void templatesAreKeptByNameAndLanguageAndReplacedOnReload() throws Exception {
        TemplateStore store = templates();
        store.put(template("order_shipped", "en_US", "APPROVED", "UTILITY"));
        store.put(template("order_shipped", "de", "PENDING", "UTILITY"));
        store.put(template("order_shipped", "de", "APPROVED", "MARKETING"));

        assertThat(store.find("order_shipped", "de").status()).isEqualTo("APPROVED");
        assertThat(store.find("order_shipped", "de").category()).isEqualTo(Category.MARKETING);
        assertThat(store.languagesOf("order_shipped")).containsExactly("de", "en_US");
        assertThat(store.find("order_shipped", "fr")).isNull();
        assertThat(store.list()).hasSize(2);
    }

    @Test
    void statusAndCategoryUpdatesFindTheTemplateByMetasIdOrByNameAndLanguage() throws Exception {
        TemplateStore store = templates();
        store.put(template("promo", "en_US", "APPROVED", "MARKETING"));

        assertThat(store.updateStatus("id-promo-en_US", null, null, "PAUSED", "LOW_QUALITY")).isNotNull();
        assertThat(store.find("promo", "en_US").status()).isEqualTo("PAUSED");
        assertThat(store.find("promo", "en_US").reason()).isEqualTo("LOW_QUALITY");
        assertThat(store.updateCategory(null, "promo", "en_US", Category.UTILITY)).isTrue();
        assertThat(store.find("promo", "en_US").category()).isEqualTo(Category.UTILITY);

        assertThat(store.updateStatus("999", "never_loaded", "en_US", "REJECTED", "INVALID_FORMAT")).isNull();
        TemplateStore.Entry unknown = store.find("never_loaded", "en_US");
        assertThat(unknown.status()).isEqualTo("REJECTED");
        assertThat(unknown.definition()).as("only the status is known").isNull();
        assertThat(store.updateCategory("nope", "nope", "en_US", Category.MARKETING)).isFalse();
    }

    @Test
    void anOptInCoversItsScopeOrEverything() throws Exception {
        ConsentStore store = consents();
        store.recordOptIn(ALICE, "UTILITY", "crm", "order form", T0);
        store.recordOptIn(BOB, ConsentStore.ALL, "csv", "opt_in column", T0);

        assertThat(store.hasOptIn(ALICE, Category.UTILITY)).isTrue();
        assertThat(store.hasOptIn(ALICE, Category.MARKETING)).isFalse();
        assertThat(store.hasOptIn(BOB, Category.MARKETING)).isTrue();
        assertThat(store.hasOptIn("+14155550199", Category.UTILITY)).isFalse();

        store.recordOptIn(ALICE, "UTILITY", "api", "newer evidence", T0.plusSeconds(60));
        store.recordOptIn(ALICE, "UTILITY", "api", "older evidence", T0.minusSeconds(60));
        assertThat(store.optIns(ALICE)).singleElement().satisfies(o -> {
            assertThat(o.evidence()).isEqualTo("newer evidence");
            assertThat(o.optedInAt()).isEqualTo(T0.plusSeconds(60));
        });
    }

    @Test
    void marketingPreferencesFollowTheLatestEventEvenOutOfOrder() throws Exception {
        ConsentStore store = consents();
        assertThat(store.marketing(ALICE)).isNull();

        assertThat(store.setMarketing(ALICE, true, "user_preferences webhook", T0)).isTrue();
        assertThat(store.setMarketing(ALICE, false, "late resume", T0.minusSeconds(10))).as("older event").isFalse();
        assertThat(store.marketing(ALICE).stopped()).isTrue();
        assertThat(store.setMarketing(ALICE, false, "keyword START", T0.plus(Duration.ofMinutes(1)))).isTrue();
        assertThat(store.marketing(ALICE).stopped()).isFalse();
        assertThat(store.marketing(ALICE).source()).isEqualTo("keyword START");
    }

    @Test
    void notificationsHeldForATemplateAreReleasedOnlyByThatTemplateAndNotByTheCustomerWritingIn() throws Exception {
        notifications.insert(templateOnly("t-1", ALICE), Status.QUEUED);
        records.markNotSendable("t-1", Status.HELD, "template paused", HoldReason.TEMPLATE);
        notifications.insert(sessionText("w-1", ALICE), Status.QUEUED);
        records.markNotSendable("w-1", Status.HELD, "window closed");

        assertThat(notifications.releaseHeld(ALICE)).as("the window hold only").isEqualTo(1);
        assertThat(notifications.find("t-1").status()).isEqualTo(Status.HELD);
        String name = notifications.find("t-1").notification().template().name();
        String language = notifications.find("t-1").notification().template().language();
        assertThat(notifications.releaseHeldForTemplate(name, "xx")).isZero();
        assertThat(notifications.releaseHeldForTemplate(name, language)).isEqualTo(1);
        assertThat(notifications.find("t-1").status()).isEqualTo(Status.QUEUED);
    }

    @Test
    void theCostLedgerKeepsMetasPricingOverTheEstimateAndTotalsPerDay() throws Exception {
        CostLedgerStore ledger = new CostLedgerStore(database.dataSource(), clock);
        clock.set(T0);
        ledger.estimate("wamid.1", "n-1", new CostLedgerStore.Estimate("marketing", "regular", true));
        notifications.insert(sessionText("n-2", ALICE), Status.QUEUED);
        records.markSent("n-2", "template", "wamid.2",
                new CostLedgerStore.Estimate("utility", "free_customer_service", false));
        assertThat(ledger.price("wamid.1", "n-1", "marketing", "regular", true, "PMP")).isTrue();
        assertThat(ledger.price("wamid.1", "n-1", "marketing", "regular", true, "PMP")).as("priced once").isFalse();
        ledger.estimate("wamid.1", "n-1", new CostLedgerStore.Estimate("utility", "regular", true)); // never over Meta's
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "template", "wamid.1", new CostLedgerStore.Estimate("utility", "regular", true));
        assertThat(notifications.find("n-1").status()).as("the send is recorded even so").isEqualTo(Status.SENT);
        assertThat(notifications.find("n-2").wamid()).isEqualTo("wamid.2");
        clock.set(T0.plus(Duration.ofDays(1)));
        assertThat(ledger.price("wamid.3", "n-3", "authentication", "regular", true, "PMP")).as("no estimate").isTrue();

        java.time.LocalDate day = java.time.LocalDate.of(2026, 3, 10);
        assertThat(ledger.usage(day, day)).extracting(u -> u.category() + ":" + u.messages() + "/" + u.billable()
                + "/" + u.estimated()).containsExactly("marketing:1/1/0", "utility:1/0/1");
        assertThat(ledger.usage(day, day.plusDays(1))).hasSize(3);
        assertThat(ledger.usage(day.plusDays(2), day.plusDays(3))).isEmpty();
    }

    private static CostLedgerStore.Pricing meta(String wamid, String category) {
        return new CostLedgerStore.Pricing(wamid, "n-" + wamid, category, "regular", true, "PMP");
    }

    private String ledgerRow(String wamid) throws Exception {
        try (java.sql.Connection c = database.dataSource().getConnection();
             java.sql.PreparedStatement s = c.prepareStatement("SELECT category, source FROM message_cost "
                     + "WHERE wamid = ?")) {
            s.setString(1, wamid);
            try (java.sql.ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1).trim() + "/" + rs.getString(2).trim() : null;
            }
        }
    }

    @Test
    void aBatchOfPricingsReplacesEstimatesAndAddsTheRestInAFewStatementsKeepingMetasFirst() throws Exception {
        CostLedgerStore plain = new CostLedgerStore(database.dataSource(), clock);
        List<CostLedgerStore.Pricing> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String wamid = "wamid." + i;
            if (i % 3 == 0) {
                plain.estimate(wamid, "n-" + wamid, new CostLedgerStore.Estimate("utility", "regular", true));
            } else if (i % 3 == 1) {
                plain.price(wamid, "n-" + wamid, "authentication", "regular", true, "PMP");
            }
            // every status of a message repeats its pricing; the first one counts
            batch.add(meta(wamid, "marketing"));
            batch.add(meta(wamid, "service"));
        }
        CountingDataSource counting = new CountingDataSource(database.dataSource());

        List<CostLedgerStore.Pricing> stored = new CostLedgerStore(counting.dataSource(), clock).priceAll(batch);

        assertThat(counting.statements()).as("an update, a query and an insert for 600 statuses")
                .isLessThanOrEqualTo(4);
        assertThat(stored).as("each message priced by Meta for the first time, once").hasSize(200)
                .allMatch(p -> p.category().equals("marketing"));
        assertThat(ledgerRow("wamid.0")).as("the estimate replaced").isEqualTo("marketing/WEBHOOK");
        assertThat(ledgerRow("wamid.1")).as("Meta's earlier pricing kept").isEqualTo("authentication/WEBHOOK");
        assertThat(ledgerRow("wamid.2")).as("no row before: inserted").isEqualTo("marketing/WEBHOOK");
    }

    @Test
    void theUsageLedgerSkipsMessagesItSawPricedWithoutAQuery() throws Exception {
        CountingDataSource counting = new CountingDataSource(database.dataSource());
        UsageLedger usage = new UsageLedger(new CostLedgerStore(counting.dataSource(), clock),
                new SessionWindowPolicy(clock, 24, Duration.ZERO), () -> null);
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> statuses = new ArrayList<>();
        for (String status : List.of("sent", "delivered", "read")) {
            for (int i = 0; i < 50; i++) {
                statuses.add(json.readTree("{\"id\":\"wamid." + i + "\",\"status\":\"" + status + "\","
                        + "\"biz_opaque_callback_data\":\"n-" + i + "\",\"pricing\":{\"billable\":true,"
                        + "\"pricing_model\":\"PMP\",\"category\":\"utility\",\"type\":\"regular\"}}"));
            }
        }

        usage.pricedAll(statuses.subList(0, 50));
        assertThat(counting.statements()).isPositive().isLessThanOrEqualTo(4);
        assertThat(ledgerRow("wamid.49")).isEqualTo("utility/WEBHOOK");
        usage.pricedAll(statuses.subList(50, 150));
        usage.priced("wamid.7", "n-7", statuses.get(7).get("pricing"));
        assertThat(counting.statements()).as("delivered and read repeat the pricing already stored").isZero();
    }
}
