package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/**
 * whatsapp-post and the outbox against a scripted stand-in: temporary errors retried from the outbox, permanent errors,
 * 131047 re-routing (answer and webhook), failed status webhooks that are worth another attempt, and sends whose
 * outcome is unknown (settled by a status webhook, or sent again after whatsapp.unknown-outcome-wait).
 */
class WhatsappSendRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(15);
    static final String ERROR_131047 = "{\"error\":{\"message\":\"(#131047) Re-engagement message\","
            + "\"type\":\"OAuthException\",\"code\":131047,\"error_data\":{\"messaging_product\":\"whatsapp\","
            + "\"details\":\"Message failed to send because more than 24 hours have passed since the customer last "
            + "replied to this number.\"},\"fbtrace_id\":\"Az8or2yhqkZfEZ-_4Qn_Bam\"}}";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        // a read timeout comes quickly, and an unknown outcome is settled (or resent) within the test's patience
        p.setProperty("whatsapp.response-timeout-ms", "700");
        p.setProperty("whatsapp.unknown-outcome-wait", "PT2S");
        p.setProperty("outbox.lease", "PT10S");
        return p;
    }

    private void dropAndWait(String name, String csv) throws Exception {
        drop(name, csv);
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/" + name)));
    }

    private void awaitStatus(String id, Status status) {
        await().atMost(WAIT).until(() -> statusOf(id) == status);
    }

    @Test
    void temporaryErrorsAreRetriedFromTheOutboxThenSent() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).inScenario("outage").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("still down"));
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).inScenario("outage").whenScenarioStateIs("still down")
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"Something went wrong\",\"code\":131000}}"))
                .willSetStateTo("up"));

        dropAndWait("t.csv", "id,to,template,language\nt-1,+14155550101,order_shipped,en_US\n");

        com.fasterxml.jackson.databind.JsonNode file = json.readTree(get("/api/files/t.csv").body());
        assertThat(file.path("accepted").asInt()).as("the row is counted although its first send failed").isEqualTo(1);
        assertThat(file.path("queued").asInt()).isEqualTo(1);
        awaitStatus("t-1", Status.SENT);
        assertThat(sendsOf("t-1")).isEqualTo(3);
        assertThat(stored("t-1").retries()).as("two retries used").isEqualTo(2);
        assertThat(stored("t-1").errorCode()).as("cleared by the successful send").isNull();
    }

    @Test
    void aConnectionResetAfterTheRequestLeftIsAnUnknownOutcomeSentAgainAfterTheWait() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).inScenario("reset").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("up"));

        dropAndWait("r.csv", "id,to,template,language\nr-1,+14155550101,order_shipped,en_US\n");

        assertThat(statusOf("r-1")).isEqualTo(Status.QUEUED);
        assertThat(stored("r-1").outcomeUnknownSince()).isNotNull();
        awaitStatus("r-1", Status.SENT);
        assertThat(sendsOf("r-1")).isEqualTo(2);
        assertThat(Duration.between(sendTimesOf("r-1").get(0), sendTimesOf("r-1").get(1)))
                .as("no resend before whatsapp.unknown-outcome-wait").isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    }

    @Test
    void aTimedOutSendSettledByItsStatusWebhookIsNeverSentAgain() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).willReturn(aResponse().withStatus(200)
                .withFixedDelay(1500).withHeader("Content-Type", "application/json")
                .withBody("{\"messages\":[{\"id\":\"wamid.slow\"}]}")));

        dropAndWait("u.csv", "id,to,template,language\nu-1,+14155550101,order_shipped,en_US\n");
        assertThat(stored("u-1").outcomeUnknownSince()).as("the answer never came").isNotNull();

        // WhatsApp did get it: its status webhook names the notification in biz_opaque_callback_data
        assertThat(postSignedWebhook(statusUpdate("wamid.slow", "u-1", "delivered", null)).statusCode()).isEqualTo(200);

        assertThat(statusOf("u-1")).isEqualTo(Status.DELIVERED);
        assertThat(stored("u-1").wamid()).isEqualTo("wamid.slow");
        assertThat(stored("u-1").outcomeUnknownSince()).isNull();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> sendsOf("u-1") == 1);
    }

    @Test
    void persistentOutageEndsFailedWithTheLastError() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"Something went wrong\",\"code\":131000,"
                        + "\"error_data\":{\"details\":\"temporary\"}}}")));

        dropAndWait("f.csv", "id,to,template,language\nf-1,+14155550101,order_shipped,en_US\n");

        awaitStatus("f-1", Status.FAILED);
        assertThat(stored("f-1").errorCode()).isEqualTo(131000);
        assertThat(stored("f-1").errorDetails()).contains("gave up after 3 attempts");
        assertThat(sendsOf("f-1")).isEqualTo(3);
    }

    @Test
    void permanentErrorFailsAtOnceWithCodeAndDetails() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"(#132001) Template name does not exist in the translation\","
                        + "\"code\":132001,\"error_data\":{\"details\":\"template name (nope) does not exist in en_US\"}}}")));

        dropAndWait("p.csv", "id,to,template,language\np-1,+14155550101,nope,en_US\n");

        assertThat(statusOf("p-1")).isEqualTo(Status.FAILED);
        com.fasterxml.jackson.databind.JsonNode file = json.readTree(get("/api/files/p.csv").body());
        assertThat(file.path("accepted").asInt()).isEqualTo(1);
        assertThat(file.path("failed").asInt()).isEqualTo(1);
        assertThat(stored("p-1").errorCode()).isEqualTo(132001);
        assertThat(stored("p-1").errorDetails()).contains("does not exist");
        assertThat(sendsOf("p-1")).isEqualTo(1);
    }

    @Test
    void synchronous131047SendsTheTemplateInsteadOrHolds() throws Exception {
        provider.stubFor(post(urlPathEqualTo(SESSION_PATH)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody(ERROR_131047)));
        // our records say the window is open, the provider disagrees
        windows().recordInbound("+14155550100", Instant.now(), "wamid.in");

        dropAndWait("w.csv", "id,to,text,template,language\nwith-tpl,+14155550100,hi,order_shipped,en_US\n"
                + "text-only,+14155550100,hi,,\n");

        assertThat(statusOf("with-tpl")).isEqualTo(Status.SENT);
        assertThat(stored("with-tpl").route()).isEqualTo("template");
        assertThat(statusOf("text-only")).as("no template, and the window is closed").isEqualTo(Status.HELD);
        assertThat(sentTo(TEMPLATE_PATH)).hasSize(1);
        assertThat(sentTo(SESSION_PATH)).as("the provider's word closed our window record: one refusal only")
                .hasSize(1);
        assertThat(windows().lastInboundAt("+14155550100")).isNull();
    }

    @Test
    void asynchronousTemporaryFailureIsSentAgainButAPermanentOneFails() throws Exception {
        dropAndWait("a.csv", "id,to,template,language\nretry-me,+14155550101,order_shipped,en_US\n"
                + "give-up,+14155550102,order_shipped,en_US\n");
        assertThat(statusOf("retry-me")).isEqualTo(Status.SENT);

        postSignedWebhook(failedStatus(stored("retry-me").wamid(), "retry-me", 131000, "Something went wrong"));
        postSignedWebhook(failedStatus(stored("give-up").wamid(), "give-up", 131026, "Message undeliverable"));

        await().atMost(WAIT).until(() -> sendsOf("retry-me") == 2 && statusOf("retry-me") == Status.SENT);
        assertThat(statusOf("give-up")).isEqualTo(Status.FAILED);
        assertThat(stored("give-up").errorCode()).isEqualTo(131026);
        assertThat(sendsOf("give-up")).isEqualTo(1);
    }

    private byte[] failedStatus(String wamid, String id, int code, String title) {
        String body = new String(statusUpdate(wamid, id, "failed", code), java.nio.charset.StandardCharsets.UTF_8)
                .replace("Re-engagement message", title);
        return body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
