package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/** The sandbox provider (no access token): the whole window rule works over real HTTP without a Meta account. */
class SandboxProviderRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("whatsapp.access-token", "");
        p.setProperty("whatsapp.numbers.brand-b.id", "2222");
        // no API token configured: sandbox mode's demo token stands in for every scope
        p.setProperty("admin.api-token", "");
        return p;
    }

    private HttpResponse<String> customerWrites(String phone, String text) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + "/sandbox/customers/" + phone + "/messages"))
                .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void windowRuleWorksEndToEndAgainstTheSandbox() throws Exception {
        assertThat(customerWrites("+14155550100", "hi").statusCode()).isEqualTo(202);
        await().atMost(WAIT).until(() -> windows().lastInboundAt("+14155550100") != null);

        drop("sandbox.csv", "id,to,text,template,language\nopen,+14155550100,hello,,\n"
                + "closed-tpl,+14155550101,,order_shipped,en_US\nclosed-text,+14155550102,wait for me,,\n");
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/sandbox.csv")));

        // the sandbox reports delivery through signed status webhooks
        await().atMost(WAIT).until(() -> statusOf("open") == Status.DELIVERED && statusOf("closed-tpl") == Status.DELIVERED);
        assertThat(stored("open").route()).isEqualTo("session");
        assertThat(stored("closed-tpl").route()).isEqualTo("template");
        assertThat(statusOf("closed-text")).isEqualTo(Status.HELD);

        customerWrites("+14155550102", "I am back");
        await().atMost(WAIT).until(() -> statusOf("closed-text") == Status.DELIVERED);
        assertThat(stored("closed-text").route()).isEqualTo("session");

        JsonNode accepted = json.readTree(get("/sandbox/messages", null).body());
        assertThat(accepted).hasSize(3);
        assertThat(accepted).extracting(m -> m.path("biz_opaque_callback_data").asText())
                .containsExactlyInAnyOrder("open", "closed-tpl", "closed-text");
    }

    @Test
    void theSandboxPlaysEveryBusinessNumberWithAWindowPerNumber() throws Exception {
        assertThat(customerWrites("+14155550110", "hi B", "brand-b").statusCode()).isEqualTo(202);
        await().atMost(WAIT).until(() -> windows().lastInboundAt("brand-b", "+14155550110") != null);
        assertThat(windows().lastInboundAt("+14155550110")).as("the default number's window").isNull();

        drop("numbers.csv", "id,to,text,from\nsb-b,+14155550110,hello from B,brand-b\n"
                + "sb-default,+14155550110,hello from the default,\n");

        await().atMost(WAIT).until(() -> statusOf("sb-b") == Status.DELIVERED && statusOf("sb-default") == Status.HELD);
        assertThat(stored("sb-b").route()).isEqualTo("session");
        JsonNode accepted = json.readTree(get("/sandbox/messages").body());
        assertThat(accepted).singleElement()
                .satisfies(m -> assertThat(m.path("biz_opaque_callback_data").asText()).isEqualTo("sb-b"));
        assertThat(customerWrites("+14155550110", "hi", "brand-x").statusCode()).isEqualTo(400);
    }

    private HttpResponse<String> customerWrites(String phone, String text, String number) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + "/sandbox/customers/" + phone + "/messages?number="
                + number)).POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void sandboxRefusesFreeFormOutsideItsWindowWith131047() throws Exception {
        // Windowgate believes the window is open; the provider never saw the customer write: 131047, then held
        windows().recordInbound("+14155550105", Instant.now(), "wamid.local");

        drop("refused.csv", "id,to,text\nrefused,+14155550105,hello\n");

        await().atMost(WAIT).until(() -> statusOf("refused") == Status.HELD);
        assertThat(stored("refused").errorCode()).isEqualTo(131047);
        assertThat(json.readTree(get("/sandbox/messages", null).body())).isEmpty();
    }

    @Test
    void theDemoTokenOpensEveryApiAndTheSandboxNeedsNone() throws Exception {
        assertThat(postJson("/api/notifications", "sandbox", "{\"id\": \"demo\", \"to\": \"+14155550100\", "
                + "\"text\": \"hi\"}").statusCode()).isEqualTo(202);
        for (String path : new String[] {"/api/notifications/demo", "/api/notifications?status=FAILED", "/api/files",
                "/api/rejections", "/api/usage", "/api/templates", "/api/sending"}) {
            assertThat(get(path, "sandbox").statusCode()).as(path).isEqualTo(200);
            assertThat(get(path, null).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(get("/sandbox/messages", null).statusCode()).isEqualTo(200);
        assertThat(customerWrites("+14155550106", "hi").statusCode()).isEqualTo(202);
    }

    @Test
    void simulatingACustomerWithABadNumberAnswers400() throws Exception {
        HttpResponse<String> response = customerWrites("12", "hi");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("not a phone number");
    }
}
