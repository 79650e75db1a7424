package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;

import io.windowgate.notification.Status;
import io.windowgate.whatsapp.WebhookSignature;
import org.junit.jupiter.api.Test;

/** whatsapp-webhook and whatsapp-webhook-verify: handshake, signatures, windows, held release and statuses. */
class WhatsappWebhookRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void handshakeEchoesTheChallengeOnlyForTheRightToken() throws Exception {
        HttpResponse<String> ok = get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=" + VERIFY_TOKEN
                + "&hub.challenge=1158201444");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("1158201444");

        assertThat(get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1").statusCode())
                .isEqualTo(403);
        assertThat(get("/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=" + VERIFY_TOKEN
                + "&hub.challenge=1").statusCode()).isEqualTo(403);
    }

    @Test
    void badOrMissingSignatureIsRefusedAndNothingIsStored() throws Exception {
        byte[] body = inboundMessages("14155550100", minutesAgo(1));
        byte[] tampered = body.clone();
        tampered[tampered.length - 3] ^= 1;

        assertThat(postWebhook(body, null).statusCode()).isEqualTo(401);
        assertThat(postWebhook(body, "sha256=" + "0".repeat(64)).statusCode()).isEqualTo(401);
        assertThat(postWebhook(body, WebhookSignature.sign("another-secret", body)).statusCode()).isEqualTo(401);
        assertThat(postWebhook(tampered, WebhookSignature.sign(APP_SECRET, body)).statusCode()).isEqualTo(401);
        assertThat(windows().lastInboundAt("+14155550100")).isNull();

        HttpResponse<String> refused = postWebhook(body, null);
        assertThat(refused.headers().firstValue("X-Hub-Signature-256")).isEmpty();
    }

    @Test
    void everyMessageInABodyOpensItsSendersWindowAndOlderOnesNeverMoveItBack() throws Exception {
        long recent = minutesAgo(2);
        HttpResponse<String> response = postSignedWebhook(
                inboundMessages("14155550100", recent, "14155550101", minutesAgo(3), "4930901820", minutesAgo(4)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(windows().lastInboundAt("+14155550100")).isEqualTo(Instant.ofEpochSecond(recent));
        assertThat(windows().lastInboundAt("+14155550101")).isNotNull();
        assertThat(windows().lastInboundAt("+4930901820")).isNotNull();

        assertThat(postSignedWebhook(inboundMessages("14155550100", minutesAgo(60))).statusCode()).isEqualTo(200);
        assertThat(windows().lastInboundAt("+14155550100")).isEqualTo(Instant.ofEpochSecond(recent));
    }

    @Test
    void customerWritingInReleasesHeldNotificationsAsSessionMessages() throws Exception {
        drop("held.csv", "id,to,text\nheld-1,+14155550102,first\nheld-2,+14155550102,second\nother,+14155550103,x\n");
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/held.csv")));
        assertThat(statusOf("held-1")).isEqualTo(Status.HELD);
        assertThat(sentTo("/v22.0/.*/messages")).isEmpty();

        postSignedWebhook(inboundMessages("14155550102", minutesAgo(0)));
        await().atMost(WAIT).until(() -> statusOf("held-2") == Status.SENT && statusOf("held-1") == Status.SENT);
        assertThat(sentTo(SESSION_PATH)).extracting(b -> b.path("biz_opaque_callback_data").asText())
                .containsExactly("held-1", "held-2");
        assertThat(statusOf("other")).isEqualTo(Status.HELD);

        // the same webhook delivered again (WhatsApp retries) sends nothing more
        postSignedWebhook(inboundMessages("14155550102", minutesAgo(0)));
        assertThat(sendsOf("held-1")).isEqualTo(1);
    }

    @Test
    void statusesMoveForwardOnlyAndFailuresKeepTheirError() throws Exception {
        windows().recordInbound("+14155550100", Instant.now(), "wamid.in");
        drop("s.csv", "id,to,text\ns-1,+14155550100,hello\ns-2,+14155550100,again\n");
        await().atMost(WAIT).until(() -> statusOf("s-2") == Status.SENT);
        String wamid1 = stored("s-1").wamid();
        String wamid2 = stored("s-2").wamid();

        postSignedWebhook(statusUpdate(wamid1, "s-1", "read", null));
        postSignedWebhook(statusUpdate(wamid1, "s-1", "delivered", null));
        assertThat(statusOf("s-1")).isEqualTo(Status.READ);

        postSignedWebhook(statusUpdate(wamid2, "s-2", "failed", 131026));
        postSignedWebhook(statusUpdate(wamid2, "s-2", "delivered", null));
        assertThat(statusOf("s-2")).isEqualTo(Status.FAILED);
        assertThat(stored("s-2").errorCode()).isEqualTo(131026);
    }

    @Test
    void asynchronous131047ReroutesASessionMessageToItsTemplate() throws Exception {
        windows().recordInbound("+14155550100", Instant.now(), "wamid.in");
        drop("a.csv", "id,to,text,template,language\nr-1,+14155550100,hello,order_shipped,en_US\n");
        await().atMost(WAIT).until(() -> statusOf("r-1") == Status.SENT);
        assertThat(stored("r-1").route()).isEqualTo("session");

        postSignedWebhook(statusUpdate(stored("r-1").wamid(), "r-1", "failed", 131047));

        await().atMost(WAIT).until(() -> "template".equals(stored("r-1").route()) && statusOf("r-1") == Status.SENT);
        assertThat(sentTo(TEMPLATE_PATH)).hasSize(1);
        assertThat(sendsOf("r-1")).isEqualTo(2);
    }

    @Test
    void signedBodyThatIsNotAWebhookIsRefusedWith400() throws Exception {
        byte[] body = "{\"hello\": \"world\"}".getBytes();
        HttpResponse<String> response = postSignedWebhook(body);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("entry");
    }

    @Test
    void aButtonPressOrAListReplyOpensTheWindowLikeAnyMessage() throws Exception {
        String[][] replies = {
            {"14155550131", "\"type\":\"interactive\",\"interactive\":{\"type\":\"button_reply\","
                + "\"button_reply\":{\"id\":\"track\",\"title\":\"Track my order\"}}"},
            {"14155550132", "\"type\":\"interactive\",\"interactive\":{\"type\":\"list_reply\","
                + "\"list_reply\":{\"id\":\"slot-2\",\"title\":\"Tuesday\",\"description\":\"9-12\"}}"},
            {"14155550133", "\"type\":\"button\",\"button\":{\"payload\":\"CONFIRM\",\"text\":\"Confirm\"},"
                + "\"context\":{\"from\":\"15550000000\",\"id\":\"wamid.template\"}"}};
        for (String[] reply : replies) {
            context.getRegistry().lookupByNameAndType("notificationIntake",
                    io.windowgate.notification.NotificationIntake.class).accept(
                    io.windowgate.notification.NotificationRequest.from("crm").id("held-" + reply[0])
                            .to("+" + reply[0]).text("Your order shipped").build());
        }
        for (String[] reply : replies) {
            await().atMost(WAIT).until(() -> statusOf("held-" + reply[0]) == Status.HELD);
        }

        for (String[] reply : replies) {
            String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba\",\"changes\":[{"
                    + "\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
                    + "\"phone_number_id\":\"123\"},\"messages\":[{\"from\":\"" + reply[0] + "\",\"id\":\"wamid.in."
                    + reply[0] + "\",\"timestamp\":\"" + minutesAgo(1) + "\"," + reply[1] + "}]}}]}]}";
            assertThat(postSignedWebhook(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)).statusCode())
                    .isEqualTo(200);
        }

        for (String[] reply : replies) {
            assertThat(windows().lastInboundAt("+" + reply[0])).as(reply[1]).isNotNull();
            await().atMost(WAIT).until(() -> statusOf("held-" + reply[0]) == Status.SENT);
            assertThat(stored("held-" + reply[0]).route()).isEqualTo("session");
        }
    }
}
