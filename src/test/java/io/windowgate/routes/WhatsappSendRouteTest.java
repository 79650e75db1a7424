package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/** whatsapp-post and its error handling: retries of transient errors, permanent errors, 131047 re-routing. */
class WhatsappSendRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String ERROR_131047 = "{\"error\":{\"message\":\"(#131047) Re-engagement message\","
            + "\"type\":\"OAuthException\",\"code\":131047,\"error_data\":{\"messaging_product\":\"whatsapp\","
            + "\"details\":\"Message failed to send because more than 24 hours have passed since the customer last "
            + "replied to this number.\"},\"fbtrace_id\":\"Az8or2yhqkZfEZ-_4Qn_Bam\"}}";

    private void dropAndWait(String name, String csv) throws Exception {
        drop(name, csv);
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/" + name)));
    }

    @Test
    void transientErrorsAreRetriedThenSent() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).inScenario("outage").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("still down"));
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).inScenario("outage").whenScenarioStateIs("still down")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("up"));

        dropAndWait("t.csv", "id,to,template,language\nt-1,+14155550101,order_shipped,en_US\n");

        assertThat(statusOf("t-1")).isEqualTo(Status.SENT);
        assertThat(sendsOf("t-1")).isEqualTo(3);
    }

    @Test
    void persistentOutageEndsFailedWithTheLastError() throws Exception {
        provider.stubFor(post(urlPathEqualTo(TEMPLATE_PATH)).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"Something went wrong\",\"code\":131000,"
                        + "\"error_data\":{\"details\":\"temporary\"}}}")));

        dropAndWait("f.csv", "id,to,template,language\nf-1,+14155550101,order_shipped,en_US\n");

        assertThat(statusOf("f-1")).isEqualTo(Status.FAILED);
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
        assertThat(statusOf("text-only")).isEqualTo(Status.HELD);
        assertThat(stored("text-only").errorCode()).isEqualTo(131047);
        assertThat(sentTo(TEMPLATE_PATH)).hasSize(1);
    }
}
