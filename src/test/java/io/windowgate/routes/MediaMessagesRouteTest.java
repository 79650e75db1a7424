package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * Media session messages from a CSV drop and a CRM push, over real HTTP: sent in the Cloud API's shape into an open
 * window, and following the text rule into a closed one (the template if given, else HELD until the customer writes).
 */
class MediaMessagesRouteTest extends RouteTestSupport {

    private static final String TOKEN = "crm-test-token";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", TOKEN);
        return p;
    }

    private JsonNode sentFor(String id) {
        return sentTo("/v22.0/.*/messages").stream()
                .filter(m -> id.equals(m.path("biz_opaque_callback_data").asText())).findFirst().orElseThrow();
    }

    @Test
    void aDroppedFileAndACrmPushSendEachMediaTypeIntoAnOpenWindow() throws Exception {
        postSignedWebhook(inboundMessages("14155550100", minutesAgo(1)));
        await().atMost(WAIT).until(() -> windows().lastInboundAt("+14155550100") != null);

        drop("media.csv", """
                id,to,text,media_type,media_link,media_caption,media_filename
                csv-image,+14155550100,Your parcel,image,https://cdn.example.com/parcel.jpg,,
                csv-document,+14155550100,,document,https://cdn.example.com/invoice.pdf,Invoice,invoice.pdf
                csv-bad,+14155550100,,image,http://cdn.example.com/parcel.jpg,,
                """);
        HttpResponse<String> pushed = postJson("/api/notifications", TOKEN, """
                [{"id": "crm-video", "to": "+14155550100", "media": {"type": "video",
                  "link": "https://cdn.example.com/how-to.mp4", "caption": "How to set it up"}},
                 {"id": "crm-audio", "to": "+14155550100", "media": {"type": "audio",
                  "link": "https://cdn.example.com/message.ogg"}},
                 {"id": "crm-audio-caption", "to": "+14155550100", "media": {"type": "audio",
                  "link": "https://cdn.example.com/message.ogg", "caption": "no"}}]""");

        assertThat(pushed.statusCode()).isEqualTo(202);
        assertThat(json.readTree(pushed.body()).path("rejected").path(0).path("reason").asText())
                .contains("cannot go with audio");
        for (String id : new String[] {"csv-image", "csv-document", "crm-video", "crm-audio"}) {
            await().atMost(WAIT).until(() -> statusOf(id) == Status.SENT);
            assertThat(stored(id).route()).isEqualTo("session");
        }
        assertThat(sentFor("csv-image").path("image").path("caption").asText()).isEqualTo("Your parcel");
        assertThat(sentFor("csv-document").path("document").path("filename").asText()).isEqualTo("invoice.pdf");
        assertThat(sentFor("crm-video").path("type").asText()).isEqualTo("video");
        assertThat(sentFor("crm-audio").path("audio").has("caption")).isFalse();
        assertThat(statusOf("csv-bad")).isNull();
        await().atMost(WAIT).until(() -> json.readTree(get("/api/files/media.csv").body()).path("status").asText()
                .equals("DONE"));
        assertThat(json.readTree(get("/api/files/media.csv").body()).path("rejected").asInt()).isEqualTo(1);
    }

    @Test
    void aMediaNotificationToAClosedWindowGoesAsItsTemplateOrIsHeldUntilTheCustomerWrites() throws Exception {
        postJson("/api/notifications", TOKEN, """
                [{"id": "closed-with-template", "to": "+14155550101", "media": {"type": "image",
                  "link": "https://cdn.example.com/a.jpg"}, "template": {"name": "order_shipped", "language": "en_US"}},
                 {"id": "closed-held", "to": "+14155550102", "text": "Your photo", "media": {"type": "image",
                  "link": "https://cdn.example.com/b.jpg"}}]""");

        await().atMost(WAIT).until(() -> statusOf("closed-with-template") == Status.SENT
                && statusOf("closed-held") == Status.HELD);
        assertThat(stored("closed-with-template").route()).isEqualTo("template");

        postSignedWebhook(inboundMessages("14155550102", minutesAgo(0)));

        await().atMost(WAIT).until(() -> statusOf("closed-held") == Status.SENT);
        JsonNode sent = sentFor("closed-held");
        assertThat(sent.path("type").asText()).isEqualTo("image");
        assertThat(sent.path("image").path("link").asText()).isEqualTo("https://cdn.example.com/b.jpg");
        assertThat(sent.path("image").path("caption").asText()).isEqualTo("Your photo");
    }
}
