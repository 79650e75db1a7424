package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import io.windowgate.store.ContactStore;
import io.windowgate.store.SourceStore;
import org.junit.jupiter.api.Test;

/**
 * Customers as WhatsApp names them, over real HTTP: a send answer whose wa_id differs from the number sent to
 * (Brazilian mobiles registered before the ninth digit), webhooks that carry a business-scoped user id (BSUID) alone,
 * and the windows API that shows the result.
 */
class CustomerIdentityRouteTest extends RouteTestSupport {

    private static final String TOKEN = "crm-test-token";
    private static final String READ_TOKEN = "read-test-token";
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** The number as the CRM has it, with the ninth digit; WhatsApp knows the customer without it. */
    private static final String TYPED = "+5511987654321";
    private static final String WA_ID = "551187654321";
    private static final String BSUID = "US.13491208655302741918";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", TOKEN);
        p.setProperty("api.read-token", READ_TOKEN);
        return p;
    }

    /** The stand-in answers sends to the typed number with the customer's own wa_id, as the Cloud API does. */
    private void answerWithWaId() {
        provider.stubFor(post(urlPathMatching("/v22.0/.*/messages")).withRequestBody(containing(TYPED.substring(1)))
                .atPriority(1).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"" + TYPED
                                + "\",\"wa_id\":\"" + WA_ID + "\"}],\"messages\":[{\"id\":\"wamid."
                                + "{{randomValue type='UUID'}}\"}]}")
                        .withTransformers("response-template")));
    }

    private HttpResponse<String> push(String body) throws Exception {
        HttpResponse<String> answer = postJson("/api/notifications", TOKEN, body);
        assertThat(answer.statusCode()).isEqualTo(202);
        return answer;
    }

    private static String template(String id, String to) {
        return "{\"id\": \"" + id + "\", \"to\": \"" + to + "\", \"template\": {\"name\": \"order_shipped\", "
                + "\"language\": \"en_US\", \"params\": [\"123\"]}}";
    }

    private static String text(String id, String to) {
        return "{\"id\": \"" + id + "\", \"to\": \"" + to + "\", \"text\": \"Your order shipped\"}";
    }

    /** A signed "messages" webhook to the default number (phone number id 123) with this value's inner JSON. */
    private HttpResponse<String> webhook(String valueFields) throws Exception {
        String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba\",\"changes\":[{\"field\":"
                + "\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":"
                + "\"15550000000\",\"phone_number_id\":\"123\"}," + valueFields + "}}]}]}";
        HttpResponse<String> answer = postSignedWebhook(body.getBytes(StandardCharsets.UTF_8));
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer;
    }

    private HttpResponse<String> message(String fromFields, long epochSecond) throws Exception {
        return webhook("\"messages\":[{" + fromFields + ",\"id\":\"wamid.in." + epochSecond + "." + System.nanoTime()
                + "\",\"timestamp\":\"" + epochSecond + "\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}]");
    }

    private HttpResponse<String> status(String notificationId, String recipientFields) throws Exception {
        return webhook("\"statuses\":[{\"id\":\"" + stored(notificationId).wamid() + "\",\"status\":\"delivered\","
                + "\"timestamp\":\"" + Instant.now().getEpochSecond() + "\"," + recipientFields
                + ",\"biz_opaque_callback_data\":\"" + notificationId + "\"}]");
    }

    private ContactStore contacts() {
        return context.getRegistry().lookupByNameAndType("contactStore", ContactStore.class);
    }

    @Test
    void aCustomerKnownByAnotherWaIdGetsSessionMessagesOnceTheyWriteIn() throws Exception {
        answerWithWaId();
        push(template("br-template", TYPED));
        await().atMost(WAIT).until(() -> statusOf("br-template") == Status.SENT);
        assertThat(stored("br-template").route()).isEqualTo("template");
        assertThat(contacts().find(TYPED).waId()).as("learned from the send answer").isEqualTo(WA_ID);

        // the customer writes in; WhatsApp names them by their wa_id, not by the number the CRM typed
        message("\"from\":\"" + WA_ID + "\"", minutesAgo(1));
        assertThat(windows().lastInboundAt(TYPED)).isNotNull();

        push(text("br-text", TYPED));
        await().atMost(WAIT).until(() -> statusOf("br-text") == Status.SENT);
        assertThat(stored("br-text").route()).isEqualTo("session");
        assertThat(sentTo(SESSION_PATH)).singleElement()
                .satisfies(m -> assertThat(m.path("to").asText()).isEqualTo(TYPED));
    }

    @Test
    void aWindowOpenedUnderTheWaIdCarriesOverOnceASendLinksTheNumber() throws Exception {
        answerWithWaId();
        message("\"from\":\"" + WA_ID + "\"", minutesAgo(2));
        push(text("br-held", TYPED));
        await().atMost(WAIT).until(() -> statusOf("br-held") == Status.HELD);

        // a template teaches the link; the window the customer opened under the wa_id is the number's too
        push(template("br-link", TYPED));

        await().atMost(WAIT).until(() -> statusOf("br-held") == Status.SENT);
        assertThat(stored("br-held").route()).isEqualTo("session");
        assertThat(stored("br-link").route()).isEqualTo("template");
        assertThat(sendsOf("br-held")).isEqualTo(1);
    }

    @Test
    void aMessageWithOnlyAKnownBsuidOpensTheWindowOfItsCustomer() throws Exception {
        push(template("bsuid-template", "+14155550103"));
        await().atMost(WAIT).until(() -> statusOf("bsuid-template") == Status.SENT);
        // the status names the customer by wa_id and BSUID: the link is learned
        status("bsuid-template", "\"recipient_id\":\"14155550103\",\"recipient_user_id\":\"" + BSUID + "\"");
        await().atMost(WAIT).until(() -> contacts().find("+14155550103") != null);
        push(text("bsuid-held", "+14155550103"));
        await().atMost(WAIT).until(() -> statusOf("bsuid-held") == Status.HELD);

        // the customer's number is withheld from the webhook: only the BSUID arrives
        webhook("\"contacts\":[{\"user_id\":\"" + BSUID + "\",\"profile\":{\"name\":\"Ana\",\"username\":\"@ana\"}}],"
                + "\"messages\":[{\"from_user_id\":\"" + BSUID + "\",\"id\":\"wamid.in.bsuid\",\"timestamp\":\""
                + minutesAgo(1) + "\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}]");

        await().atMost(WAIT).until(() -> statusOf("bsuid-held") == Status.SENT);
        assertThat(stored("bsuid-held").route()).isEqualTo("session");
        assertThat(windows().lastInboundAt("+14155550103")).isNotNull();
    }

    @Test
    void aMessageWithAnUnknownBsuidIsKeptAndOpensTheWindowOnceTheBsuidIsLinked() throws Exception {
        String unknown = "BR.99887766554433";
        long writtenAt = minutesAgo(3);
        webhook("\"messages\":[{\"from_user_id\":\"" + unknown + "\",\"id\":\"wamid.in.unknown\",\"timestamp\":\""
                + writtenAt + "\",\"type\":\"text\",\"text\":{\"body\":\"oi\"}}]");
        assertThat(contacts().unmatchedCount()).isEqualTo(1);
        assertThat(context.getRegistry().lookupByNameAndType("sourceStore", SourceStore.class)
                .rejections("webhook", 10)).singleElement()
                .satisfies(r -> assertThat((String) r.get("reason")).contains(unknown).contains("kept"));

        push(text("unknown-held", "+14155550104"));
        await().atMost(WAIT).until(() -> statusOf("unknown-held") == Status.HELD);
        push(template("unknown-link", "+14155550104"));
        await().atMost(WAIT).until(() -> statusOf("unknown-link") == Status.SENT);

        status("unknown-link", "\"recipient_id\":\"14155550104\",\"recipient_user_id\":\"" + unknown + "\"");

        await().atMost(WAIT).until(() -> statusOf("unknown-held") == Status.SENT);
        assertThat(stored("unknown-held").route()).isEqualTo("session");
        assertThat(windows().lastInboundAt("+14155550104")).as("as of the kept message's own time")
                .isEqualTo(Instant.ofEpochSecond(writtenAt));
        assertThat(contacts().unmatchedCount()).isZero();
    }

    @Test
    void aMessageWithoutAnySenderIdIsRecordedNotSilentlyDropped() throws Exception {
        webhook("\"messages\":[{\"id\":\"wamid.in.nobody\",\"timestamp\":\"" + minutesAgo(1) + "\",\"type\":\"text\","
                + "\"text\":{\"body\":\"hi\"}}]");

        assertThat(context.getRegistry().lookupByNameAndType("sourceStore", SourceStore.class)
                .rejections("webhook", 10)).singleElement()
                .satisfies(r -> assertThat((String) r.get("reason")).contains("from_user_id"));
    }

    @Test
    void aMarketingStopNamingOnlyTheBsuidAppliesToTheLinkedNumber() throws Exception {
        message("\"from\":\"14155550105\",\"from_user_id\":\"" + BSUID + "\"", minutesAgo(1));
        webhook("\"contacts\":[{\"wa_id\":\"14155550105\",\"user_id\":\"" + BSUID + "\"}],\"messages\":[]");
        await().atMost(WAIT).until(() -> contacts().find("+14155550105") != null);

        String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba\",\"changes\":[{\"field\":"
                + "\"user_preferences\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
                + "\"phone_number_id\":\"123\"},\"user_preferences\":[{\"user_id\":\"" + BSUID + "\",\"category\":"
                + "\"marketing_messages\",\"value\":\"stop\",\"timestamp\":" + minutesAgo(1) + "}]}}]}]}";
        assertThat(postSignedWebhook(body.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);

        JsonNode consent = json.readTree(get("/api/consents/+14155550105").body());
        assertThat(consent.path("marketing").asText()).isEqualTo("STOPPED");
    }

    @Test
    void theWindowsApiShowsEachNumberAndTheContactMaskedForAllButTheAdmin() throws Exception {
        answerWithWaId();
        push(template("api-link", TYPED));
        await().atMost(WAIT).until(() -> contacts().find(TYPED) != null);
        message("\"from\":\"" + WA_ID + "\"", minutesAgo(1));

        HttpResponse<String> admin = get("/api/windows/" + TYPED);
        assertThat(admin.statusCode()).isEqualTo(200);
        JsonNode view = json.readTree(admin.body());
        assertThat(view.path("to").asText()).isEqualTo(TYPED);
        assertThat(view.path("contact").path("waId").asText()).isEqualTo(WA_ID);
        assertThat(view.path("windows")).singleElement().satisfies(w -> {
            assertThat(w.path("businessNumber").asText()).isEqualTo("default");
            assertThat(w.path("state").asText()).isEqualTo("OPEN");
            assertThat(Instant.parse(w.path("sendableUntil").asText())).isAfter(Instant.now().plusSeconds(23 * 3600));
        });

        // a national number is read as the notifications read it; the read token sees it masked
        HttpResponse<String> read = get("/api/windows/" + TYPED, READ_TOKEN);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).doesNotContain(TYPED.substring(1)).doesNotContain(WA_ID).contains("+55*");
        assertThat(get("/api/windows/" + TYPED, TOKEN).statusCode()).as("the CRM token reads notifications only")
                .isEqualTo(403);
        assertThat(get("/api/windows/" + TYPED, null).statusCode()).isEqualTo(401);

        HttpResponse<String> never = get("/api/windows/+14155550199");
        assertThat(json.readTree(never.body()).path("windows").path(0).path("state").asText()).isEqualTo("NONE");
        HttpResponse<String> bad = get("/api/windows/not-a-number");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("not-a-number");
    }
}
