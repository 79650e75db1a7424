package io.windowgate.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Category;
import io.windowgate.notification.MediaRef;
import io.windowgate.notification.Notification;
import io.windowgate.notification.NotificationRequest;
import io.windowgate.notification.NotificationValidator;
import io.windowgate.notification.TemplateRef;
import org.junit.jupiter.api.Test;

/** Cloud API send bodies compared with golden JSON files (whatsapp-platform.md sections 1.1 and 1.2). */
class CloudApiPayloadsTest {

    private static final String TO = "+14155550123";

    private final ObjectMapper json = new ObjectMapper();
    private final CloudApiPayloads payloads = new CloudApiPayloads();

    private JsonNode fixture(String name) throws IOException {
        try (InputStream in = CloudApiPayloadsTest.class.getResourceAsStream("/fixtures/" + name)) {
            assertThat(in).as("fixture " + name).isNotNull();
            return json.readTree(in);
        }
    }

    private static Notification templated(String id, TemplateRef template) {
        return new Notification(id, TO, null, template, Category.UTILITY, null, "crm");
    }

    @Test
    void sessionMessageMatchesTheGoldenFile() throws IOException {
        Notification n = new Notification("crm-000123", TO, "Your order 123 has shipped.", null, Category.UTILITY,
                null, "crm");
        JsonNode body = json.readTree(payloads.sessionMessage(n));
        assertThat(body).isEqualTo(fixture("session-message.json"));
        assertThat(body.path("biz_opaque_callback_data").asText()).isEqualTo(n.id());
    }

    @Test
    void sessionMessageIgnoresTheTemplate() throws IOException {
        Notification n = new Notification("crm-000123", TO, "Your order 123 has shipped.",
                new TemplateRef("order_shipped", "en_US", List.of("123"), null), Category.UTILITY, null, "crm");
        assertThat(json.readTree(payloads.sessionMessage(n))).isEqualTo(fixture("session-message.json"));
    }

    @Test
    void sessionMessageEscapesTextExactly() throws IOException {
        String text = "Olá \"Ana\" \\ <b>&</b>\nline two\t\uD83D\uDE00 \u2028end";
        Notification n = new Notification("crm-1", TO, text, null, null, null, "crm");
        JsonNode body = json.readTree(payloads.sessionMessage(n));
        assertThat(body.path("text").path("body").asText()).isEqualTo(text);
    }

    @Test
    void sessionMessageWithoutTextThrows() {
        Notification n = templated("crm-000124", new TemplateRef("order_shipped", "en_US", List.of(), null));
        assertThatThrownBy(() -> payloads.sessionMessage(n))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crm-000124");
    }

    @Test
    void templateMessageWithoutTemplateThrows() {
        Notification n = new Notification("crm-000127", TO, "hi", null, null, null, "crm");
        assertThatThrownBy(() -> payloads.templateMessage(n))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crm-000127");
    }

    @Test
    void headerAndButtonParametersMatchTheCloudApiFormat() throws IOException {
        Notification n = templated("crm-000200", new TemplateRef("boarding_pass", "en_US", List.of("LH400"), null,
                new TemplateRef.Header("DOCUMENT", "https://air.example/p/LH400.pdf", "boarding-pass.pdf"),
                List.of(new TemplateRef.Button(0, "URL", "LH400-ANA"), new TemplateRef.Button(1, "QUICK_REPLY", "SEAT"),
                        new TemplateRef.Button(2, "COPY_CODE", "LOUNGE5"))));
        assertThat(json.readTree(payloads.templateMessage(n))).isEqualTo(fixture("template-header-buttons.json"));
    }

    @Test
    void aTextOrImageHeaderHasItsOwnParameterShape() throws IOException {
        JsonNode text = json.readTree(payloads.templateMessage(templated("t", new TemplateRef("x", "en", null, null,
                new TemplateRef.Header("TEXT", "Order 42", null), null))));
        assertThat(text.at("/template/components/0/parameters/0").toString())
                .isEqualTo("{\"type\":\"text\",\"text\":\"Order 42\"}");
        JsonNode image = json.readTree(payloads.templateMessage(templated("i", new TemplateRef("x", "en", null, null,
                new TemplateRef.Header("IMAGE", "https://cdn.example/p.jpg", null), null))));
        assertThat(image.at("/template/components/0/parameters/0").toString())
                .isEqualTo("{\"type\":\"image\",\"image\":{\"link\":\"https://cdn.example/p.jpg\"}}");
    }

    @Test
    void positionalTemplateMatchesTheGoldenFile() throws IOException {
        Notification n = templated("crm-000124",
                new TemplateRef("order_shipped", "en_US", List.of("123", "Tuesday"), null));
        JsonNode body = json.readTree(payloads.templateMessage(n));
        assertThat(body).isEqualTo(fixture("template-positional.json"));
        assertThat(body.path("biz_opaque_callback_data").asText()).isEqualTo("crm-000124");
    }

    @Test
    void namedTemplateMatchesTheGoldenFileInTheGivenOrder() throws IOException {
        Map<String, String> named = new LinkedHashMap<>();
        named.put("first_name", "Ana");
        named.put("order_id", "123");
        named.put("eta", "Tuesday");
        named.put("store", "Lisbon");
        // through the validator, as every source does
        Notification n = new NotificationValidator("US").validate(NotificationRequest.from("crm").id("crm-000125").to(TO)
                .template("order_shipped_named", "pt_BR").namedParams(named).category("UTILITY").build()).notification();
        JsonNode body = json.readTree(payloads.templateMessage(n));
        assertThat(body).isEqualTo(fixture("template-named.json"));
        assertThat(body.path("biz_opaque_callback_data").asText()).isEqualTo("crm-000125");
    }

    @Test
    void templateWithoutParamsHasNoComponents() throws IOException {
        Notification n = templated("crm-000126", new TemplateRef("hello_world", "en_US", null, null));
        JsonNode body = json.readTree(payloads.templateMessage(n));
        assertThat(body).isEqualTo(fixture("template-no-params.json"));
        assertThat(body.path("template").has("components")).isFalse();
    }

    @Test
    void templateMessageIgnoresTheText() throws IOException {
        Notification n = new Notification("crm-000126", TO, "free text", new TemplateRef("hello_world", "en_US",
                null, null), Category.UTILITY, null, "crm");
        assertThat(json.readTree(payloads.templateMessage(n))).isEqualTo(fixture("template-no-params.json"));
    }

    private static Notification media(String type, String text, MediaRef media) {
        return new Notification("media-" + type, TO, text, null, Category.UTILITY, null, "crm", "default", null, media);
    }

    @Test
    void mediaSessionMessagesMatchTheirGoldenFiles() throws IOException {
        // the text is the caption of an image or a video without one
        assertThat(json.readTree(payloads.sessionMessage(media("image", "Your order 123 has shipped.",
                new MediaRef("image", "https://cdn.example.com/order-123.jpg", null, null)))))
                .isEqualTo(fixture("session-image.json"));
        assertThat(json.readTree(payloads.sessionMessage(media("video", null,
                new MediaRef("video", "https://cdn.example.com/order-123.mp4", "Your order 123 has shipped.", null)))))
                .isEqualTo(fixture("session-video.json"));
        // a caption of its own wins over the text; a filename goes on a document
        assertThat(json.readTree(payloads.sessionMessage(media("document", "ignored as a caption",
                new MediaRef("document", "https://cdn.example.com/invoice-123.pdf", "Invoice for order 123",
                        "invoice-123.pdf")))))
                .isEqualTo(fixture("session-document.json"));
        assertThat(json.readTree(payloads.sessionMessage(media("audio", null,
                new MediaRef("audio", "https://cdn.example.com/message.ogg", null, null)))))
                .isEqualTo(fixture("session-audio.json"));
    }
}
