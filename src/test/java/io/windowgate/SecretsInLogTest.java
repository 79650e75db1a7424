package io.windowgate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.windowgate.whatsapp.WebhookSignature;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs Windowgate as its own JVM with the production logging configuration (log4j2.properties, INFO), every
 * secret-bearing property set to a distinct canary, drives requests that use those secrets, stops it gracefully and
 * reads everything it logged: no canary may appear. Once with -D system properties, once with environment variables,
 * the two ways the secrets are passed in production.
 */
class SecretsInLogTest {

    /** Every secret-bearing property Windowgate knows, including those of features that are switched off here. */
    private static final List<String> SECRET_KEYS = List.of("whatsapp.access-token", "whatsapp.app-secret",
            "whatsapp.webhook.verify-token", "crm.api-token", "admin.api-token", "crm.poll.auth-value", "db.password",
            "mail.password", "callbacks.secret", "api.read-token");
    private static final Duration START = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private WireMockServer provider;
    private Process process;

    @TempDir
    Path dir;

    @BeforeEach
    void startProvider() {
        provider = new WireMockServer(options().dynamicPort());
        provider.start();
        provider.stubFor(post(urlPathMatching("/v22.0/.*/messages")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.canary\"}]}")));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
        provider.stop();
    }

    @Test
    void noSecretPassedAsSystemPropertyIsLogged() throws Exception {
        Map<String, String> canaries = canaries("sysprop");
        Map<String, String> settings = baseSettings();
        settings.putAll(canaries);
        List<String> options = new ArrayList<>();
        settings.forEach((key, value) -> options.add("-D" + key + "=" + value));
        runAndDrive("sysprop", options, Map.of(), canaries);
    }

    @Test
    void noSecretPassedAsEnvironmentVariableIsLogged() throws Exception {
        Map<String, String> canaries = canaries("env");
        List<String> options = new ArrayList<>();
        baseSettings().forEach((key, value) -> options.add("-D" + key + "=" + value));
        Map<String, String> environment = new LinkedHashMap<>();
        canaries.forEach((key, value) -> environment.put(key.toUpperCase(Locale.ROOT).replace('.', '_')
                .replace('-', '_'), value));
        runAndDrive("env", options, environment, canaries);
    }

    /** A distinct, recognisable value per secret, so a leak names the property that leaked. */
    private static Map<String, String> canaries(String how) {
        Map<String, String> canaries = new LinkedHashMap<>();
        for (String key : SECRET_KEYS) {
            canaries.put(key, "canary-" + how + "-" + key.replaceAll("[^a-z]", "") + "-"
                    + UUID.randomUUID().toString().substring(0, 8));
        }
        return canaries;
    }

    private Map<String, String> baseSettings() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("camel.server.port", Integer.toString(AvailablePortFinder.getNextAvailable()));
        p.put("camel.management.port", Integer.toString(AvailablePortFinder.getNextAvailable()));
        p.put("db.url", "jdbc:hsqldb:mem:secrets-" + UUID.randomUUID() + ";hsqldb.tx=mvcc");
        p.put("drop.dir", dir.resolve("inbox").toString());
        p.put("whatsapp.session.url", provider.baseUrl() + "/v22.0/session/messages");
        p.put("whatsapp.template.url", provider.baseUrl() + "/v22.0/template/messages");
        p.put("outbox.poll-interval-ms", "100");
        // events are signed with callbacks.secret; the stand-in answers them 404, so they are retried and logged too
        p.put("callbacks.url", provider.baseUrl() + "/callbacks");
        // the production logging, not the quieter test configuration on the same class path
        p.put("log4j2.configurationFile", "log4j2.properties");
        return p;
    }

    private void runAndDrive(String how, List<String> options, Map<String, String> environment,
            Map<String, String> canaries) throws Exception {
        // kept under target/ so that a leak can be read after the test
        Path log = Path.of("target", "secrets-in-log-" + how + ".log");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.addAll(options);
        command.add("-cp");
        command.add(classPath);
        command.add(WindowgateApplication.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        process = builder.start();
        String port = options.stream().filter(o -> o.startsWith("-Dcamel.server.port=")).findFirst().orElseThrow()
                .substring("-Dcamel.server.port=".length());
        String base = "http://localhost:" + port;
        await().atMost(START).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> !process.isAlive() || get(base + "/api/sending", null).statusCode() == 401);
        assertThat(process.isAlive()).as("Windowgate started; its output: %s", Files.readString(log)).isTrue();

        String crmToken = canaries.get("crm.api-token");
        String adminToken = canaries.get("admin.api-token");
        String appSecret = canaries.get("whatsapp.app-secret");
        String verifyToken = canaries.get("whatsapp.webhook.verify-token");

        String notification = "{\"id\": \"secret-1\", \"to\": \"+14155550100\", \"template\": {\"name\": \"hello\","
                + " \"language\": \"en_US\"}, \"category\": \"ACCOUNT_UPDATE\"}";
        assertThat(postJson(base + "/api/notifications", crmToken, notification).statusCode()).isEqualTo(202);
        assertThat(postJson(base + "/api/notifications", crmToken + "-wrong", notification).statusCode())
                .isEqualTo(401);
        assertThat(get(base + "/api/sending", adminToken).statusCode()).isEqualTo(200);
        assertThat(get(base + "/api/sending", adminToken + "-wrong").statusCode()).isEqualTo(401);
        assertThat(get(base + "/api/files", canaries.get("api.read-token")).statusCode()).isEqualTo(200);
        assertThat(get(base + "/api/files", canaries.get("api.read-token") + "-wrong").statusCode()).isEqualTo(401);

        // the provider call carries the access token: wait until it was made (generously: the first answers of a
        // cold WireMock on a busy machine have taken many seconds), before the status webhook below, which names the
        // notification and would otherwise settle it before the outbox sends it
        try {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> !provider.findAll(postRequestedFor(urlPathMatching("/v22.0/.*/messages"))).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not sent: " + get(base + "/api/notifications/secret-1", adminToken).body()
                    + " " + get(base + "/api/sending", adminToken).body(), e);
        }
        assertThat(provider.findAll(postRequestedFor(urlPathMatching("/v22.0/.*/messages"))).get(0)
                .getHeader("Authorization")).isEqualTo("Bearer " + canaries.get("whatsapp.access-token"));

        byte[] webhook = ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba\",\"changes\":[{"
                + "\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"statuses\":[{\"id\":"
                + "\"wamid.canary\",\"status\":\"delivered\",\"timestamp\":\"1700000000\",\"recipient_id\":"
                + "\"14155550100\",\"biz_opaque_callback_data\":\"secret-1\"}]}}]}]}").getBytes(StandardCharsets.UTF_8);
        assertThat(postWebhook(base, webhook, WebhookSignature.sign(appSecret, webhook)).statusCode()).isEqualTo(200);
        assertThat(postWebhook(base, webhook, WebhookSignature.sign(appSecret + "-wrong", webhook)).statusCode())
                .isEqualTo(401);
        assertThat(get(base + "/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=42&hub.verify_token="
                + URLEncoder.encode(verifyToken, StandardCharsets.UTF_8), null).statusCode()).isEqualTo(200);
        assertThat(get(base + "/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=42&hub.verify_token="
                + URLEncoder.encode(verifyToken + "-wrong", StandardCharsets.UTF_8), null).statusCode())
                .isEqualTo(403);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> !provider.findAll(postRequestedFor(urlPathMatching("/callbacks"))).isEmpty());
        var event = provider.findAll(postRequestedFor(urlPathMatching("/callbacks"))).get(0);
        assertThat(new io.windowgate.callback.CallbackSignature(canaries.get("callbacks.secret"))
                .isValid(event.getHeader("X-Windowgate-Signature"), event.getBody(), Instant.now().getEpochSecond()))
                .as("the event is signed with callbacks.secret").isTrue();

        // a graceful stop, so that the shutdown's log lines are read too
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("Windowgate stopped").isTrue();
        String output = Files.readString(log);
        assertNoCanary(output, canaries);
        // the summary that used to print them is part of what is checked
        assertThat(output).contains("Property-placeholders summary").contains("crm.api-token = xxxxxx");
    }

    private static void assertNoCanary(String log, Map<String, String> canaries) {
        assertThat(log.lines().filter(line -> canaries.values().stream().anyMatch(line::contains)).toList())
                .as("log lines that show a secret's value").isEmpty();
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postJson(String url, String token, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postWebhook(String base, byte[] body, String signature) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/webhooks/whatsapp"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", signature).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
