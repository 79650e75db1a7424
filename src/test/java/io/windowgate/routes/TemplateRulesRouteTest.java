package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * Template rules enforced before the provider, with the registry loaded from templates.file (the Graph API's
 * message_templates format) and kept current by the real webhook payloads: message_template_status_update,
 * template_category_update, user_preferences, an inbound STOP. Every refusal asserts that nothing reached the stand-in.
 */
class TemplateRulesRouteTest extends RouteTestSupport {

    private static final String CRM_TOKEN = "test-crm-token";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String UK = "+442079460123";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", CRM_TOKEN);
        p.setProperty("templates.file", "src/test/resources/samples/templates.json");
        p.setProperty("templates.unknown", "reject");
        p.setProperty("marketing.block-us", "true");
        return p;
    }

    private void push(String json) throws Exception {
        assertThat(postJson("/api/notifications", CRM_TOKEN, json).statusCode()).isEqualTo(202);
    }

    private static String item(String id, String to, String template, String language, String params, String category) {
        return "{\"id\": \"" + id + "\", \"to\": \"" + to + "\", \"template\": {\"name\": \"" + template
                + "\", \"language\": \"" + language + "\", \"params\": " + params + "}"
                + (category == null ? "" : ", \"category\": \"" + category + "\"") + "}";
    }

    private void awaitStatus(String id, Status status) {
        await().atMost(WAIT).until(() -> statusOf(id) == status);
    }

    private String reason(String id) {
        return stored(id).errorDetails();
    }

    /** A webhook body with one change of the given field. */
    private byte[] change(String field, String valueJson) {
        return ("{\"object\": \"whatsapp_business_account\", \"entry\": [{\"id\": \"waba\", \"time\": "
                + Instant.now().getEpochSecond() + ", \"changes\": [{\"field\": \"" + field + "\", \"value\": "
                + valueJson + "}]}]}").getBytes(StandardCharsets.UTF_8);
    }

    private void webhook(String field, String valueJson) throws Exception {
        assertThat(postSignedWebhook(change(field, valueJson)).statusCode()).isEqualTo(200);
    }

    @Test
    void sendsThatMetaWouldRefuseAreRejectedWithAReasonAndNeverReachTheProvider() throws Exception {
        push("[" + item("one-param", UK, "order_shipped", "en_US", "[\"123\"]", null) + ","
                + item("unknown", UK, "no_such_template", "en_US", "[]", null) + ","
                + item("french", UK, "order_shipped", "fr", "[\"1\", \"2\"]", null) + ","
                + item("named-wrong", UK, "welcome_offer", "en_US", "{\"first_name\": \"Ana\"}", null) + ","
                + item("no-document", UK, "boarding_pass", "en_US", "[\"LH400\"]", null) + ","
                + item("fine", UK, "order_shipped", "en_US", "[\"123\", \"Tuesday\"]", null) + "]");

        awaitStatus("fine", Status.SENT);
        for (String id : List.of("one-param", "unknown", "french", "named-wrong", "no-document")) {
            awaitStatus(id, Status.REJECTED);
            assertThat(sendsOf(id)).as(id).isZero();
        }
        assertThat(reason("one-param")).contains("takes 2 body parameters, got 1");      // Meta: 132000
        assertThat(reason("unknown")).contains("not in the template registry");          // Meta: 132001
        assertThat(reason("french")).contains("registered in de, en_US");                 // Meta: 132001
        assertThat(reason("named-wrong")).contains("[discount, first_name]");           // Meta: 132000
        assertThat(reason("no-document")).contains("DOCUMENT header");                    // Meta: 132012
    }

    @Test
    void aPausedTemplateHoldsItsNotificationsUntilMetaReinstatesIt() throws Exception {
        webhook("message_template_status_update", """
                {"event": "PAUSED", "message_template_id": 1001, "message_template_name": "order_shipped",
                 "message_template_language": "en_US", "reason": "LOW_QUALITY",
                 "other_info": {"title": "FIRST_PAUSE", "description": "paused for 3 hours"}}""");
        push("[" + item("p-1", UK, "order_shipped", "en_US", "[\"1\", \"Monday\"]", null) + "]");

        awaitStatus("p-1", Status.HELD);
        assertThat(reason("p-1")).contains("PAUSED").contains("LOW_QUALITY");
        assertThat(sendsOf("p-1")).isZero();
        JsonNode registry = json.readTree(get("/api/templates", ADMIN_TOKEN).body());
        assertThat(registry.findValuesAsText("status")).contains("PAUSED");

        // a customer writing in does not release it: the window was never the problem
        postSignedWebhook(inboundMessages(UK.substring(1), minutesAgo(0)));
        assertThat(statusOf("p-1")).isEqualTo(Status.HELD);

        webhook("message_template_status_update", """
                {"event": "REINSTATED", "message_template_id": 1001, "message_template_name": "order_shipped",
                 "message_template_language": "en_US", "reason": "NONE"}""");
        awaitStatus("p-1", Status.SENT);
    }

    @Test
    void error132015PausesTheTemplateInTheRegistryAndHoldsInsteadOfFailing() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).atPriority(1)
                .withRequestBody(containing("appointment_reminder"))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\": {\"message\": \"(#132015) Cannot send message as the template is "
                                + "paused\", \"code\": 132015, \"error_data\": {\"details\": \"Template is paused\"}}}")));

        push("[" + item("r-1", UK, "appointment_reminder", "en_US", "[]", null) + "]");
        awaitStatus("r-1", Status.HELD);
        push("[" + item("r-2", "+442079460124", "appointment_reminder", "en_US", "[]", null) + "]");
        awaitStatus("r-2", Status.HELD);

        assertThat(sendsOf("r-1")).isEqualTo(1);
        assertThat(sendsOf("r-2")).as("the registry knew it was paused").isZero();
    }

    @Test
    void aCustomerWhoStoppedMarketingGetsUtilityButNoMarketingUntilTheyResume() throws Exception {
        long now = Instant.now().getEpochSecond();
        webhook("user_preferences", "{\"messaging_product\": \"whatsapp\", \"metadata\": {\"phone_number_id\": \"123\"},"
                + " \"contacts\": [{\"wa_id\": \"442079460123\", \"profile\": {\"name\": \"Ana\"}}], \"user_preferences\":"
                + " [{\"wa_id\": \"442079460123\", \"detail\": \"User requested to stop marketing messages\","
                + " \"category\": \"marketing_messages\", \"value\": \"stop\", \"timestamp\": " + (now - 60) + "}]}");
        push("[" + item("m-1", UK, "welcome_offer", "en_US", "{\"first_name\": \"Ana\", \"discount\": \"10%\"}", null)
                + "," + item("u-1", UK, "order_shipped", "en_US", "[\"1\", \"today\"]", null) + "]");

        awaitStatus("u-1", Status.SENT);
        awaitStatus("m-1", Status.REJECTED);
        assertThat(reason("m-1")).contains("stopped marketing").contains("user_preferences");
        assertThat(sendsOf("m-1")).isZero();

        webhook("user_preferences", "{\"user_preferences\": [{\"wa_id\": \"442079460123\", \"category\": "
                + "\"marketing_messages\", \"value\": \"resume\", \"timestamp\": " + now + "}]}");
        push("[" + item("m-2", UK, "welcome_offer", "en_US", "{\"first_name\": \"Ana\", \"discount\": \"10%\"}", null)
                + "]");
        awaitStatus("m-2", Status.SENT);
    }

    @Test
    void aStopKeywordAndError131050StopMarketingToo() throws Exception {
        postSignedWebhook(textMessage("442079460124", "  Stop "));
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).atPriority(1)
                .withRequestBody(containing("+442079460125"))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\": {\"message\": \"(#131050) Unable to deliver the message. This recipient "
                                + "has chosen to stop receiving marketing messages on WhatsApp from your business\","
                                + " \"code\": 131050}}")));
        String offer = "{\"first_name\": \"Bo\", \"discount\": \"5%\"}";
        push("[" + item("k-1", "+442079460124", "welcome_offer", "en_US", offer, null) + ","
                + item("e-1", "+442079460125", "welcome_offer", "en_US", offer, null) + "]");

        awaitStatus("k-1", Status.REJECTED);
        assertThat(reason("k-1")).contains("keyword STOP");
        awaitStatus("e-1", Status.FAILED);
        push("[" + item("e-2", "+442079460125", "welcome_offer", "en_US", offer, null) + "]");
        awaitStatus("e-2", Status.REJECTED);
        assertThat(reason("e-2")).contains("error 131050");
        assertThat(sendsOf("k-1") + sendsOf("e-2")).isZero();
    }

    @Test
    void marketingToUsNumbersIsBlockedAndTheRegistrysCategoryWins() throws Exception {
        push("[" + item("us-offer", "+14155550100", "welcome_offer", "en_US",
                "{\"first_name\": \"Al\", \"discount\": \"5%\"}", "UTILITY") + ","
                + item("us-utility", "+14155550100", "order_shipped", "en_US", "[\"1\", \"today\"]", null) + "]");
        awaitStatus("us-offer", Status.REJECTED);
        assertThat(reason("us-offer")).contains("US (+1)");
        awaitStatus("us-utility", Status.SENT);

        webhook("template_category_update", """
                {"message_template_id": 1001, "message_template_name": "order_shipped",
                 "message_template_language": "en_US", "previous_category": "UTILITY", "new_category": "MARKETING"}""");
        push("[" + item("us-now-marketing", "+14155550100", "order_shipped", "en_US", "[\"2\", \"today\"]", null)
                + "]");
        awaitStatus("us-now-marketing", Status.REJECTED);
        assertThat(sendsOf("us-offer") + sendsOf("us-now-marketing")).isZero();
    }

    @Test
    void templatesCanBeLoadedAndListedThroughTheApi() throws Exception {
        String body = """
                [{"name": "new_arrival", "language": "en_GB", "status": "APPROVED", "category": "MARKETING",
                  "components": [{"type": "BODY", "text": "New in: {{1}}"}]}]""";
        assertThat(postJson("/api/templates", null, body).statusCode()).isEqualTo(401);
        JsonNode loaded = json.readTree(postJson("/api/templates", ADMIN_TOKEN, body).body());
        assertThat(loaded.path("loaded").asInt()).isEqualTo(1);
        var bad = postJson("/api/templates", ADMIN_TOKEN, "[{\"name\": \"x\"}]");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'language'");

        JsonNode list = json.readTree(get("/api/templates", ADMIN_TOKEN).body());
        assertThat(list.findValuesAsText("name")).contains("new_arrival", "order_shipped", "welcome_offer");
        push("[" + item("gb", UK, "new_arrival", "en_GB", "[\"boots\"]", null) + "]");
        awaitStatus("gb", Status.SENT);
    }

    @Test
    void headerAndButtonParametersFromCsvAndCrmReachTheProviderInTheCloudApiShape() throws Exception {
        drop("passes.csv", "id,to,template,language,param1,header_document,header_filename,button:0:url\n"
                + "pass-csv,+442079460123,boarding_pass,en_US,LH400,https://air.example/p/1.pdf,pass.pdf,LH400-ANA\n"
                + "pass-image,+442079460124,boarding_pass,en_US,LH400,,,LH400-BO\n");
        push("[{\"id\": \"pass-crm\", \"to\": \"+442079460125\", \"template\": {\"name\": \"boarding_pass\", "
                + "\"language\": \"en_US\", \"params\": [\"LH401\"], \"header\": {\"type\": \"document\", "
                + "\"link\": \"https://air.example/p/2.pdf\"}, \"buttons\": [{\"index\": 0, \"type\": \"url\", "
                + "\"text\": \"LH401-CY\"}]}}, {\"id\": \"pass-wrong\", \"to\": \"+442079460126\", \"template\": "
                + "{\"name\": \"boarding_pass\", \"language\": \"en_US\", \"params\": [\"LH402\"], \"header\": "
                + "{\"type\": \"image\", \"link\": \"https://air.example/p.jpg\"}, \"buttons\": [{\"index\": 0, "
                + "\"type\": \"url\", \"text\": \"X\"}]}}]");

        awaitStatus("pass-csv", Status.SENT);
        awaitStatus("pass-crm", Status.SENT);
        JsonNode csv = sentTo(TEMPLATE_PATH).stream()
                .filter(b -> b.path("biz_opaque_callback_data").asText().equals("pass-csv")).findFirst().orElseThrow();
        assertThat(csv.at("/template/components/0/parameters/0/document/link").asText())
                .isEqualTo("https://air.example/p/1.pdf");
        assertThat(csv.at("/template/components/0/parameters/0/document/filename").asText()).isEqualTo("pass.pdf");
        assertThat(csv.at("/template/components/2/sub_type").asText()).isEqualTo("url");
        assertThat(csv.at("/template/components/2/parameters/0/text").asText()).isEqualTo("LH400-ANA");
        JsonNode crm = sentTo(TEMPLATE_PATH).stream()
                .filter(b -> b.path("biz_opaque_callback_data").asText().equals("pass-crm")).findFirst().orElseThrow();
        assertThat(crm.at("/template/components/0/parameters/0/document/link").asText())
                .as("stored in the outbox and read back").isEqualTo("https://air.example/p/2.pdf");
        assertThat(crm.at("/template/components/2/parameters/0/text").asText()).isEqualTo("LH401-CY");

        awaitStatus("pass-image", Status.REJECTED);
        assertThat(reason("pass-image")).contains("needs a DOCUMENT header parameter (header_document), none was given");
        awaitStatus("pass-wrong", Status.REJECTED);
        assertThat(reason("pass-wrong")).contains("got IMAGE");
        assertThat(sendsOf("pass-image") + sendsOf("pass-wrong")).isZero();
    }

    @Test
    void currencyAndDateTimeBodyParametersFromCsvAndCrm() throws Exception {
        drop("typed.csv", "id,to,template,language,param1:currency,param2:date_time\n"
                + "typed-csv,+442079460123,order_shipped,en_US,EUR 10.50,\"Tuesday, May 5\"\n"
                + "typed-bad,+442079460124,order_shipped,en_US,ten euros,Tuesday\n");
        push("[{\"id\": \"typed-crm\", \"to\": \"+442079460125\", \"template\": {\"name\": \"order_shipped\", "
                + "\"language\": \"en_US\", \"params\": [{\"currency\": {\"fallback_value\": \"$10.50\", "
                + "\"code\": \"USD\", \"amount_1000\": 10500}}, {\"date_time\": {\"fallback_value\": \"May 1\"}}]}}]");

        awaitStatus("typed-csv", Status.SENT);
        awaitStatus("typed-crm", Status.SENT);
        JsonNode csv = sentTo(TEMPLATE_PATH).stream()
                .filter(b -> b.path("biz_opaque_callback_data").asText().equals("typed-csv")).findFirst().orElseThrow();
        assertThat(csv.at("/template/components/0/parameters/0").toString()).isEqualTo("{\"type\":\"currency\","
                + "\"currency\":{\"fallback_value\":\"EUR 10.50\",\"code\":\"EUR\",\"amount_1000\":10500}}");
        assertThat(csv.at("/template/components/0/parameters/1").toString())
                .isEqualTo("{\"type\":\"date_time\",\"date_time\":{\"fallback_value\":\"Tuesday, May 5\"}}");
        JsonNode crm = sentTo(TEMPLATE_PATH).stream()
                .filter(b -> b.path("biz_opaque_callback_data").asText().equals("typed-crm")).findFirst().orElseThrow();
        assertThat(crm.at("/template/components/0/parameters/0/currency/amount_1000").asLong()).isEqualTo(10500);
        assertThat(crm.at("/template/components/0/parameters/0/currency/fallback_value").asText()).isEqualTo("$10.50");
        assertThat(crm.at("/template/components/0/parameters/1/date_time/fallback_value").asText()).isEqualTo("May 1");

        await().atMost(WAIT).until(() -> java.nio.file.Files.exists(dropDir.resolve(".done/typed.csv.rejected.csv")));
        assertThat(java.nio.file.Files.readString(dropDir.resolve(".done/typed.csv.rejected.csv")))
                .contains("typed-bad").contains("not a currency such as 'USD 10.50'");
    }

    private byte[] textMessage(String from, String text) {
        return change("messages", "{\"messaging_product\": \"whatsapp\", \"metadata\": {\"phone_number_id\": \"123\"},"
                + " \"contacts\": [{\"wa_id\": \"" + from + "\", \"profile\": {\"name\": \"C\"}}], \"messages\": [{\"from\": \""
                + from + "\", \"id\": \"wamid.in." + from + "\", \"timestamp\": \"" + Instant.now().getEpochSecond()
                + "\", \"type\": \"text\", \"text\": {\"body\": \"" + text + "\"}}]}");
    }
}
