package io.windowgate.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.TemplateRef;
import io.windowgate.MutableClock;
import io.windowgate.whatsapp.CloudApiPayloads;
import io.windowgate.whatsapp.ProviderError;
import io.windowgate.whatsapp.ErrorClass;
import io.windowgate.whatsapp.ProviderErrors;
import io.windowgate.whatsapp.WebhookSignature;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.Test;

/** The built-in sandbox behaves like the Cloud API: 131047 outside the window, signed webhooks, status callbacks. */
class SandboxProviderTest {

    private static final String SECRET = "sandbox-secret";
    private static final String TO = "+14155550123";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:00:00.250Z"));
    private final SandboxProvider sandbox = new SandboxProvider(clock, SECRET);
    private final CloudApiPayloads payloads = new CloudApiPayloads();
    private final ObjectMapper json = new ObjectMapper();

    private SandboxProvider.Answer sendText(String id) {
        Notification n = new Notification(id, TO, "Your order shipped.", null, Category.UTILITY, null, "crm");
        return sandbox.send(payloads.sessionMessage(n).getBytes(StandardCharsets.UTF_8));
    }

    private SandboxProvider.Answer sendTemplate(String id) {
        Notification n = new Notification(id, TO, null,
                new TemplateRef("order_shipped", "en_US", List.of("123"), null), Category.UTILITY, null, "crm");
        return sandbox.send(payloads.templateMessage(n).getBytes(StandardCharsets.UTF_8));
    }

    private SandboxProvider.Answer send(String body) {
        return sandbox.send(body.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode tree(String body) throws Exception {
        return json.readTree(body);
    }

    private JsonNode tree(byte[] body) throws Exception {
        return json.readTree(body);
    }

    private void assertRefusedWith131047(SandboxProvider.Answer answer) throws Exception {
        assertThat(answer.httpStatus()).isEqualTo(400);
        assertThat(answer.statusWebhook()).isNull();
        JsonNode error = tree(answer.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(131047);
        assertThat(error.path("type").asText()).isEqualTo("OAuthException");
        assertThat(error.path("message").asText()).isEqualTo("(#131047) Re-engagement message");
        assertThat(error.path("error_data").path("messaging_product").asText()).isEqualTo("whatsapp");
        assertThat(error.path("error_data").path("details").asText()).contains("more than 24 hours");
        assertThat(error.has("fbtrace_id")).isTrue();
    }

    @Test
    void eachBusinessNumberHasItsOwnWindowsAndItsIdInTheWebhooks() throws Exception {
        BusinessNumbers numbers = BusinessNumbers.of(new BusinessNumbers.BusinessNumber("default", "", 80, "u", "u"),
                Map.of("whatsapp.numbers.brand-b.id", "2222"), id -> id);
        SandboxProvider two = new SandboxProvider(clock, SECRET, numbers);
        byte[] text = payloads.sessionMessage(new Notification("n-b", TO, "Hi", null, Category.UTILITY, null, "crm"))
                .getBytes(StandardCharsets.UTF_8);

        byte[] inbound = two.customerWrites("brand-b", TO, "hello B");
        assertThat(tree(inbound).at("/entry/0/changes/0/value/metadata/phone_number_id").asText()).isEqualTo("2222");

        assertRefusedWith131047(two.send(SandboxProvider.DEFAULT_PHONE_NUMBER_ID, text));
        SandboxProvider.Answer fromB = two.send("2222", text);
        assertThat(fromB.httpStatus()).isEqualTo(200);
        assertThat(tree(fromB.statusWebhook()).at("/entry/0/changes/0/value/metadata/phone_number_id").asText())
                .isEqualTo("2222");
        assertThat(two.send("9999", text).httpStatus()).as("a number the sandbox does not play").isEqualTo(400);
        assertThatThrownBy(() -> two.customerWrites("brand-x", TO, "hi")).hasMessageContaining("default, brand-b");
    }

    @Test
    void textToANumberThatNeverWroteInIsRefusedWith131047() throws Exception {
        assertRefusedWith131047(sendText("n-1"));
        assertThat(sandbox.receivedMessages()).isEmpty();
    }

    @Test
    void refusalReadsAsWindowClosedThroughProviderErrors() {
        SandboxProvider.Answer answer = sendText("n-1");
        HttpOperationFailedException http = new HttpOperationFailedException("sandbox", answer.httpStatus(),
                "Bad Request", null, Map.of(), answer.body());
        ProviderErrors errors = new ProviderErrors(clock);
        ProviderError error = errors.fromHttp(http);
        assertThat(error.windowClosed()).isTrue();
        assertThat(errors.classify(http).errorClass()).isEqualTo(ErrorClass.REROUTE);
    }

    @Test
    void afterTheCustomerWritesATextIsAcceptedWithAStatusWebhook() throws Exception {
        sandbox.customerWrites(TO, "hello");
        clock.advance(Duration.ofMinutes(5));

        SandboxProvider.Answer answer = sendText("crm-000123");

        assertThat(answer.httpStatus()).isEqualTo(200);
        JsonNode body = tree(answer.body());
        assertThat(body.path("messaging_product").asText()).isEqualTo("whatsapp");
        String wamid = body.path("messages").path(0).path("id").asText();
        assertThat(wamid).startsWith("wamid.");
        assertThat(body.path("contacts").path(0).path("input").asText()).isEqualTo(TO);
        assertThat(body.path("contacts").path(0).path("wa_id").asText()).isEqualTo("14155550123");

        assertThat(answer.statusWebhook()).isNotNull();
        JsonNode webhook = tree(answer.statusWebhook());
        assertThat(webhook.path("object").asText()).isEqualTo("whatsapp_business_account");
        JsonNode value = webhook.at("/entry/0/changes/0/value");
        assertThat(webhook.at("/entry/0/changes/0/field").asText()).isEqualTo("messages");
        assertThat(value.path("metadata").path("phone_number_id").asText()).isNotEmpty();
        JsonNode statuses = value.path("statuses");
        assertThat(statuses).isNotEmpty();
        for (JsonNode status : statuses) {
            assertThat(status.path("id").asText()).isEqualTo(wamid);
            assertThat(status.path("biz_opaque_callback_data").asText()).isEqualTo("crm-000123");
            assertThat(status.path("recipient_id").asText()).isEqualTo("14155550123");
            assertThat(status.path("timestamp").asText()).isEqualTo(Long.toString(clock.instant().getEpochSecond()));
        }
        assertThat(statuses.findValuesAsText("status")).containsExactly("sent", "delivered");

        assertThat(sandbox.receivedMessages()).singleElement().satisfies(m -> {
            assertThat(m.get("wamid")).isEqualTo(wamid);
            assertThat(m.get("biz_opaque_callback_data")).isEqualTo("crm-000123");
            assertThat(m.get("type")).isEqualTo("text");
        });
    }

    @Test
    void windowLastsTwentyFourHoursFromTheCustomersMessage() throws Exception {
        sandbox.customerWrites(TO, "hello");
        clock.advance(Duration.ofHours(24).minusMillis(1));
        assertThat(sendText("n-1").httpStatus()).isEqualTo(200);
        clock.advance(Duration.ofMillis(1));
        assertRefusedWith131047(sendText("n-2"));
        clock.advance(Duration.ofHours(1));
        assertRefusedWith131047(sendText("n-3"));
    }

    @Test
    void aNewCustomerMessageRefreshesTheWindow() throws Exception {
        sandbox.customerWrites(TO, "hello");
        clock.advance(Duration.ofHours(20));
        sandbox.customerWrites("+1 (415) 555-0123", "still there?");
        clock.advance(Duration.ofHours(20));
        assertThat(sendText("n-1").httpStatus()).isEqualTo(200);
    }

    @Test
    void anotherCustomersMessageDoesNotOpenThisWindow() throws Exception {
        sandbox.customerWrites("+14155550199", "hello");
        assertRefusedWith131047(sendText("n-1"));
    }

    @Test
    void templateIsAcceptedWithoutAWindowAndDoesNotOpenOne() throws Exception {
        SandboxProvider.Answer answer = sendTemplate("crm-000124");
        assertThat(answer.httpStatus()).isEqualTo(200);
        assertThat(tree(answer.body()).path("messages").path(0).path("id").asText()).startsWith("wamid.");
        JsonNode statuses = tree(answer.statusWebhook()).at("/entry/0/changes/0/value/statuses");
        assertThat(statuses.findValuesAsText("biz_opaque_callback_data")).containsOnly("crm-000124");
        assertRefusedWith131047(sendText("n-after-template"));
    }

    @Test
    void templateWithoutLanguageIsRefused() throws Exception {
        SandboxProvider.Answer answer = send("{\"messaging_product\":\"whatsapp\",\"to\":\"" + TO
                + "\",\"type\":\"template\",\"template\":{\"name\":\"order_shipped\"}}");
        assertThat(answer.httpStatus()).isEqualTo(404);
        assertThat(tree(answer.body()).at("/error/code").asInt()).isEqualTo(132001);
        assertThat(answer.statusWebhook()).isNull();
    }

    @Test
    void customerMessageArrivesAsASignedWebhook() throws Exception {
        byte[] webhook = sandbox.customerWrites(TO, "Where is my order?");
        String header = sandbox.sign(webhook);

        assertThat(header).matches("sha256=[0-9a-f]{64}");
        assertThat(new WebhookSignature(SECRET, "token").isValid(webhook, header)).isTrue();
        assertThat(new WebhookSignature("other-secret", "token").isValid(webhook, header)).isFalse();

        JsonNode message = tree(webhook).at("/entry/0/changes/0/value/messages/0");
        assertThat(message.path("from").asText()).isEqualTo("14155550123");
        assertThat(message.path("type").asText()).isEqualTo("text");
        assertThat(message.path("text").path("body").asText()).isEqualTo("Where is my order?");
        assertThat(message.path("timestamp").asText()).isEqualTo(Long.toString(clock.instant().getEpochSecond()));
        assertThat(message.path("id").asText()).startsWith("wamid.");
        assertThat(tree(webhook).at("/entry/0/changes/0/value/contacts/0/wa_id").asText()).isEqualTo("14155550123");
    }

    @Test
    void customerWritesRejectsSomethingThatIsNotAPhoneNumber() {
        assertThatThrownBy(() -> sandbox.customerWrites("abc", "hi"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'abc'");
        assertThatThrownBy(() -> sandbox.customerWrites(null, "hi")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedJsonIsRefusedWith400() throws Exception {
        for (String body : new String[] {"{not json", "", "[1,2", "{\"to\":\"" + TO + "\"}"}) {
            SandboxProvider.Answer answer = send(body);
            assertThat(answer.httpStatus()).as("status for %s", body).isEqualTo(400);
            assertThat(tree(answer.body()).at("/error/code").asInt()).isEqualTo(100);
            assertThat(answer.statusWebhook()).isNull();
        }
    }

    @Test
    void textWithoutBodyAndUnsupportedTypesAreRefused() throws Exception {
        sandbox.customerWrites(TO, "hello");
        SandboxProvider.Answer noBody = send("{\"messaging_product\":\"whatsapp\",\"to\":\"" + TO
                + "\",\"type\":\"text\",\"text\":{}}");
        assertThat(noBody.httpStatus()).isEqualTo(400);
        assertThat(tree(noBody.body()).at("/error/code").asInt()).isEqualTo(100);
        SandboxProvider.Answer sticker = send("{\"messaging_product\":\"whatsapp\",\"to\":\"" + TO
                + "\",\"type\":\"sticker\",\"sticker\":{\"link\":\"https://example.com/a.webp\"}}");
        assertThat(sticker.httpStatus()).isEqualTo(400);
        assertThat(tree(sticker.body()).at("/error/code").asInt()).isEqualTo(131051);
        SandboxProvider.Answer httpLink = send("{\"messaging_product\":\"whatsapp\",\"to\":\"" + TO
                + "\",\"type\":\"image\",\"image\":{\"link\":\"http://example.com/a.jpg\"}}");
        assertThat(tree(httpLink.body()).at("/error/code").asInt()).isEqualTo(100);
    }

    @Test
    void mediaMessagesGoInsideTheWindowOnlyAndAreListed() throws Exception {
        String image = "{\"messaging_product\":\"whatsapp\",\"to\":\"" + TO + "\",\"type\":\"image\","
                + "\"image\":{\"link\":\"https://example.com/a.jpg\",\"caption\":\"hi\"},"
                + "\"biz_opaque_callback_data\":\"img-1\"}";
        assertThat(tree(send(image).body()).at("/error/code").asInt()).as("window closed").isEqualTo(131047);

        sandbox.customerWrites(TO, "hello");
        for (String type : new String[] {"image", "document", "video", "audio"}) {
            SandboxProvider.Answer answer = send(image.replace("image", type));
            assertThat(answer.httpStatus()).as(type).isEqualTo(200);
        }
        assertThat(sandbox.receivedMessages()).extracting(m -> m.get("type"))
                .containsExactly("audio", "video", "document", "image");
    }

    @Test
    void receivedMessagesAreNewestFirst() {
        sandbox.customerWrites(TO, "hello");
        sendText("first");
        sendTemplate("second");
        assertThat(sandbox.receivedMessages()).extracting(m -> m.get("biz_opaque_callback_data"))
                .containsExactly("second", "first");
    }

    @Test
    void aCustomerWithAnotherWaIdIsAnsweredAndWritesInUnderIt() throws Exception {
        byte[] inbound = sandbox.customerWrites(null, TO, "hi", "4155550123", null, null);
        assertThat(tree(inbound).at("/entry/0/changes/0/value/messages/0/from").asText()).isEqualTo("4155550123");
        assertThat(tree(inbound).at("/entry/0/changes/0/value/contacts/0/wa_id").asText()).isEqualTo("4155550123");

        // the window WhatsApp keeps is the customer's, whichever form of their number a send names
        SandboxProvider.Answer text = sendText("to-typed");
        assertThat(text.httpStatus()).isEqualTo(200);
        assertThat(tree(text.body()).at("/contacts/0/input").asText()).isEqualTo(TO);
        assertThat(tree(text.body()).at("/contacts/0/wa_id").asText()).as("remembered").isEqualTo("4155550123");
        assertThat(tree(text.statusWebhook()).at("/entry/0/changes/0/value/statuses/0/recipient_id").asText())
                .isEqualTo("4155550123");
    }

    @Test
    void aCustomerWithAUserIdCanWriteWithTheirNumberWithheld() throws Exception {
        assertThatThrownBy(() -> sandbox.customerWrites(null, TO, "hi", null, null, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("userId=");
        assertThatThrownBy(() -> sandbox.customerWrites(null, TO, "hi", null, "not a bsuid", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'not a bsuid'");
        sandbox.customerWrites(null, TO, "hi", null, "US.13491208655302741918", null);

        JsonNode value = tree(sandbox.customerWrites(null, TO, "again", null, null, true))
                .at("/entry/0/changes/0/value");

        assertThat(value.at("/messages/0/from_user_id").asText()).isEqualTo("US.13491208655302741918");
        assertThat(value.at("/messages/0").has("from")).as("number withheld").isFalse();
        assertThat(value.at("/contacts/0").has("wa_id")).isFalse();
        assertThat(value.at("/contacts/0/user_id").asText()).isEqualTo("US.13491208655302741918");
        JsonNode status = tree(sendTemplate("to-bsuid").statusWebhook()).at("/entry/0/changes/0/value/statuses/0");
        assertThat(status.path("recipient_id").asText()).isEqualTo("14155550123");
        assertThat(status.path("recipient_user_id").asText()).isEqualTo("US.13491208655302741918");
    }
}
