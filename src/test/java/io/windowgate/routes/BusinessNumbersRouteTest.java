package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import io.windowgate.store.SourceStore;
import org.junit.jupiter.api.Test;

/**
 * Two business numbers: the default (phone number id 123, the stand-in's session and template paths) and brand-b (id
 * 2222, sending to &lt;whatsapp.api-base-url&gt;/2222/messages). A window is the pair (number, customer).
 */
class BusinessNumbersRouteTest extends RouteTestSupport {

    private static final String TOKEN = "crm-test-token";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String B_PATH = "/v22.0/2222/messages";
    private static final String CUSTOMER = "+14155550100";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", TOKEN);
        p.setProperty("whatsapp.phone-number-id", "123");
        p.setProperty("whatsapp.api-base-url", provider.baseUrl() + "/v22.0");
        p.setProperty("whatsapp.numbers.brand-b.id", "2222");
        p.setProperty("whatsapp.numbers.brand-b.max-messages-per-second", "500");
        return p;
    }

    private HttpResponse<String> push(String body) throws Exception {
        return postJson("/api/notifications", TOKEN, body);
    }

    /** A signed webhook with one inbound message from {@code digits}, to the number with {@code phoneNumberId}. */
    private HttpResponse<String> customerWritesTo(String phoneNumberId, String digits) throws Exception {
        String body = new String(inboundMessages(digits, minutesAgo(1)), StandardCharsets.UTF_8)
                .replace("\"phone_number_id\":\"123\"", "\"phone_number_id\":\"" + phoneNumberId + "\"");
        assertThat(body).contains("\"phone_number_id\":\"" + phoneNumberId + "\"");
        return postSignedWebhook(body.getBytes(StandardCharsets.UTF_8));
    }

    private List<JsonNode> sentToB() {
        return sentTo(B_PATH);
    }

    @Test
    void aCustomerWhoWroteToBOnlyGetsATemplateFromTheDefaultAndASessionMessageFromB() throws Exception {
        assertThat(customerWritesTo("2222", "14155550100").statusCode()).isEqualTo(200);
        assertThat(windows().lastInboundAt("brand-b", CUSTOMER)).isNotNull();
        assertThat(windows().lastInboundAt(CUSTOMER)).as("no window on the default number").isNull();

        HttpResponse<String> answer = push("""
                [
                  {"id": "from-default", "to": "+14155550100", "text": "Your order shipped",
                   "template": {"name": "order_shipped", "language": "en_US", "params": ["123"]}},
                  {"id": "from-b", "from": "brand-b", "to": "+14155550100", "text": "Your order shipped",
                   "template": {"name": "order_shipped", "language": "en_US", "params": ["123"]}},
                  {"id": "from-b-by-id", "from": "2222", "to": "+14155550100", "text": "Also shipped"},
                  {"id": "default-text-only", "to": "+14155550100", "text": "Only text"}
                ]""");
        assertThat(answer.statusCode()).isEqualTo(202);
        assertThat(json.readTree(answer.body()).path("accepted")).hasSize(4);

        await().atMost(WAIT).until(() -> statusOf("from-default") == Status.SENT && statusOf("from-b") == Status.SENT
                && statusOf("from-b-by-id") == Status.SENT && statusOf("default-text-only") == Status.HELD);
        assertThat(stored("from-default").route()).isEqualTo("template");
        assertThat(sentTo(TEMPLATE_PATH)).singleElement()
                .satisfies(m -> assertThat(m.path("biz_opaque_callback_data").asText()).isEqualTo("from-default"));
        assertThat(sentTo(SESSION_PATH)).as("no free-form text from the default number").isEmpty();
        assertThat(stored("from-b").route()).isEqualTo("session");
        assertThat(stored("from-b").notification().sender()).isEqualTo("brand-b");
        assertThat(stored("from-b-by-id").notification().sender()).isEqualTo("brand-b");
        assertThat(sentToB()).hasSize(2).allSatisfy(m -> assertThat(m.path("type").asText()).isEqualTo("text"));
        assertThat(json.readTree(get("/api/notifications/from-b").body()).path("from").asText()).isEqualTo("brand-b");
        assertThat(json.readTree(get("/api/notifications/from-default").body()).path("from").asText())
                .isEqualTo("default");

        // B's window does not release what waits for the default's
        assertThat(customerWritesTo("2222", "14155550100").statusCode()).isEqualTo(200);
        assertThat(statusOf("default-text-only")).isEqualTo(Status.HELD);
        assertThat(customerWritesTo("123", "14155550100").statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> statusOf("default-text-only") == Status.SENT);
        assertThat(provider.findAll(postRequestedFor(urlPathEqualTo(SESSION_PATH)))).singleElement()
                .satisfies(r -> assertThat(r.getBodyAsString()).contains("default-text-only"));
    }

    @Test
    void a131047FromBClosesBsWindowOnlyAndTheNotificationGoesAsBsTemplate() throws Exception {
        provider.stubFor(post(urlPathEqualTo(B_PATH)).withRequestBody(containing("\"type\":\"text\""))
                .atPriority(1).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"(#131047) Re-engagement message\",\"type\":"
                                + "\"OAuthException\",\"code\":131047,\"error_data\":{\"messaging_product\":"
                                + "\"whatsapp\",\"details\":\"more than 24 hours\"}}}")));
        // our records say both windows are open; the provider disagrees for B
        windows().recordInbound("brand-b", CUSTOMER, java.time.Instant.now(), "wamid.in.b");
        windows().recordInbound(CUSTOMER, java.time.Instant.now(), "wamid.in.default");

        push("{\"id\": \"b-refused\", \"from\": \"brand-b\", \"to\": \"+14155550100\", \"text\": \"hi\", "
                + "\"template\": {\"name\": \"order_shipped\", \"language\": \"en_US\"}}");

        await().atMost(WAIT).until(() -> statusOf("b-refused") == Status.SENT);
        assertThat(stored("b-refused").route()).isEqualTo("template");
        assertThat(sentToB()).extracting(m -> m.path("type").asText()).containsExactly("text", "template");
        assertThat(windows().lastInboundAt("brand-b", CUSTOMER)).as("B's window closed").isNull();
        assertThat(windows().lastInboundAt(CUSTOMER)).as("the default's window stays open").isNotNull();
    }

    @Test
    void anUnknownSenderIsRejectedWithTheConfiguredAliases() throws Exception {
        HttpResponse<String> answer = push("{\"id\": \"from-nowhere\", \"from\": \"brand-x\", \"to\": \"+14155550100\", "
                + "\"text\": \"hi\"}");

        assertThat(answer.statusCode()).isEqualTo(202);
        String reason = json.readTree(answer.body()).path("rejected").path(0).path("reason").asText();
        assertThat(reason).contains("'brand-x'").contains("default, brand-b");
        assertThat(statusOf("from-nowhere")).isNull();
    }

    @Test
    void aWebhookForAnUnconfiguredNumberIsAnsweredAndChangesNothing() throws Exception {
        push("{\"id\": \"held\", \"to\": \"+14155550100\", \"text\": \"Only text\"}");
        await().atMost(WAIT).until(() -> statusOf("held") == Status.HELD);

        assertThat(customerWritesTo("9999", "14155550100").statusCode()).isEqualTo(200);

        assertThat(windows().lastInboundAt(CUSTOMER)).isNull();
        assertThat(windows().lastInboundAt("brand-b", CUSTOMER)).isNull();
        assertThat(statusOf("held")).isEqualTo(Status.HELD);
        assertThat(context.getRegistry().lookupByNameAndType("sourceStore", SourceStore.class)
                .rejections("webhook", 10)).singleElement()
                .satisfies(r -> assertThat((String) r.get("reason")).contains("phone_number_id 9999")
                        .contains("default, brand-b"));
    }
}
