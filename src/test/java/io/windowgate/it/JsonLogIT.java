package io.windowgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSON logs on the packaged jar, started as an operator would with {@code -Dlog.format=json}: every line it writes, from
 * the first at startup to the last at shutdown, is one JSON object in the Elastic Common Schema, and a line about a
 * notification carries its route id and notification id as fields of their own, with the phone number masked.
 */
@Timeout(180)
class JsonLogIT {

    static final String TOKEN = "it-api-token";
    static final String PHONE = "+14155550123";

    @TempDir
    Path data;

    ProviderStandIn provider;
    WindowgateProcess app;

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.stop();
        }
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    void everyLineIsAnEcsJsonObjectWithRouteIdNotificationIdAndAMaskedNumber() throws Exception {
        provider = new ProviderStandIn(2, 0);
        Map<String, String> properties = WindowgateProcess.cloudApiProperties(data, provider.messagesUrl(), TOKEN);
        properties.put("log.format", "json");
        Path log = data.resolve("windowgate.log");
        app = new WindowgateProcess(WindowgateProcess.defaultJar(), data, log, properties, List.of());
        app.start().waitHealthy(Duration.ofSeconds(90));

        ObjectMapper json = new ObjectMapper();
        var items = json.createArrayNode();
        items.addObject().put("id", "json-log-1").put("to", PHONE).putObject("template")
                .put("name", "order_shipped").put("language", "en_US");
        new WindowgateApi(Integer.parseInt(properties.get("camel.server.port")), TOKEN).push(items);
        await().atMost(Duration.ofSeconds(30)).until(() -> provider.sendsOf("json-log-1") == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("json-log-1 sent"));
        app.stop();

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("===== start #")) {
                continue; // the marker WindowgateProcess writes before each start
            }
            JsonNode parsed = json.readTree(line);
            assertThat(parsed.isObject()).as("a JSON object: %s", line).isTrue();
            assertThat(parsed.path("@timestamp").asText()).as("@timestamp of %s", line).isNotEmpty();
            assertThat(parsed.path("log.level").asText()).as("log.level of %s", line).isNotEmpty();
            assertThat(parsed.has("message")).as("message of %s", line).isTrue();
            assertThat(line).as("no phone number in full").doesNotContain("4155550123");
            lines.add(parsed);
        }
        assertThat(lines).as("startup, the send and shutdown were logged").hasSizeGreaterThan(5);
        JsonNode sent = lines.stream().filter(l -> l.path("message").asText().contains("json-log-1 sent"))
                .findFirst().orElseThrow();
        assertThat(sent.path("notification.id").asText()).isEqualTo("json-log-1");
        assertThat(sent.path("camel.routeId").asText()).isEqualTo("whatsapp-post");
        assertThat(sent.path("message").asText()).contains("+14*******23");
    }
}
