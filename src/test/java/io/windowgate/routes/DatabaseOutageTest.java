package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.windowgate.notification.Status;
import io.windowgate.store.StoredNotification;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.test.AvailablePortFinder;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The application on a real PostgreSQL that the test stops and starts again (same data directory, same port), with
 * a send in flight when it stops: while the database is down a CRM push is answered 503 with Retry-After at once, the
 * database health check is DOWN at once, and the send whose outcome could not be recorded is a database failure, not
 * a provider failure (no retry used, no provider error stored). After the restart, everything accepted is sent and the
 * health is UP again.
 */
class DatabaseOutageTest extends RouteTestSupport {

    private static final String TOKEN = "crm-outage-token";
    private static final String HELD_RECIPIENT = "14155550199";
    /** Far below the 30 s a CRM waited when every request waited out Hikari's default connection timeout. */
    private static final Duration PROMPT = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(40);

    private static Path dataDirectory;
    private static int databasePort;
    private static EmbeddedPostgres postgres;

    // static: the context (and with it the provider stand-in) is set up while the test instance is constructed
    private static final HeldAnswer held = new HeldAnswer();
    private static final LogLines log = new LogLines();

    @BeforeAll
    static void startDatabase() throws IOException {
        dataDirectory = Files.createTempDirectory("windowgate-outage-pg");
        databasePort = AvailablePortFinder.getNextAvailable();
        postgres = startPostgres();
    }

    /** A first start creates the database in dataDirectory; a later one opens the same files. */
    private static EmbeddedPostgres startPostgres() throws IOException {
        return EmbeddedPostgres.builder().setPort(databasePort).setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false).start();
    }

    @AfterAll
    static void stopDatabase() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        if (provider == null) {
            provider = new WireMockServer(options().dynamicPort().extensions(held));
            provider.start();
            acceptAllSends();
        }
        ((Logger) LogManager.getLogger("io.windowgate")).addAppender(log);
        return super.useOverridePropertiesWithPropertiesComponent();
    }

    @AfterEach
    void stopCapture() {
        held.release.countDown();
        ((Logger) LogManager.getLogger("io.windowgate")).removeAppender(log);
    }

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        // db.connection-timeout keeps its default: that is what is tested
        p.setProperty("db.url", "jdbc:postgresql://localhost:" + databasePort + "/postgres");
        p.setProperty("db.username", "postgres");
        p.setProperty("db.password", "");
        p.setProperty("crm.api-token", TOKEN);
        // a short claim, so that the send the database could not record is taken up again soon after the restart
        p.setProperty("whatsapp.connect-timeout-ms", "1000");
        p.setProperty("outbox.lease", "PT10S");
        return p;
    }

    @Test
    void anOutageIsAnsweredAtOnceReportedDownAndNeverTakenForAProviderFailure() throws Exception {
        assertThat(push("before-1", "14155550101").statusCode()).isEqualTo(202);
        await().atMost(WAIT).until(() -> statusOf("before-1") == Status.SENT);

        // a send that reaches the provider, whose answer comes only once the database is down
        provider.stubFor(post(urlPathMatching("/v22.0/.*/messages")).atPriority(1)
                .withRequestBody(containing("\"biz_opaque_callback_data\":\"inflight-1\""))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.held\"}]}")
                        .withTransformers(HeldAnswer.NAME)));
        assertThat(push("inflight-1", HELD_RECIPIENT).statusCode()).isEqualTo(202);
        assertThat(held.arrived.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the send reached the provider").isTrue();

        postgres.close();

        // several: a connection the pool handed out just before the stop fails at once, the later ones wait for a new
        for (int i = 1; i <= 3; i++) {
            long started = System.nanoTime();
            HttpResponse<String> refused = push("during-" + i, "14155550102");
            Duration answeredIn = Duration.ofNanos(System.nanoTime() - started);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(answeredIn).as("CRM push answer time while the database is down").isLessThan(PROMPT);
        }

        // a read-only view fails plainly (500, no details), the operations API answers 503: as the OpenAPI document says
        assertThat(get("/api/files").statusCode()).isEqualTo(500);
        assertThat(get("/api/notifications?status=FAILED").statusCode()).isEqualTo(503);

        long started = System.nanoTime();
        HttpResponse<String> down = health();
        Duration reportedIn = Duration.ofNanos(System.nanoTime() - started);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(databaseCheck(down).path("status").asText()).isEqualTo("DOWN");
        assertThat(reportedIn).as("health answer time while the database is down").isLessThan(PROMPT);

        drop("outage.csv", """
                id,to,template,language
                csv-1,+14155550103,order_shipped,en_US
                csv-2,+14155550104,order_shipped,en_US
                """);

        held.release.countDown();
        await().atMost(WAIT).until(() -> log.contains(Level.ERROR, "inflight-1", "database"));
        assertThat(log.lines).as("nothing logged as a provider failure of the unrecorded send")
                .noneMatch(l -> l.contains("inflight-1") && (l.contains("temporary failure") || l.contains("FAILED")
                        || l.contains("outcome of the send unknown")));

        postgres = startPostgres();

        await().atMost(WAIT).untilAsserted(() -> assertThat(health().statusCode()).isEqualTo(200));
        assertThat(databaseCheck(health()).path("status").asText()).isEqualTo("UP");
        assertThat(push("after-1", "14155550105").statusCode()).isEqualTo(202);
        List<String> accepted = List.of("before-1", "inflight-1", "after-1", "csv-1", "csv-2");
        await().atMost(WAIT).until(() -> accepted.stream().allMatch(id -> statusOf(id) == Status.SENT));

        StoredNotification inflight = stored("inflight-1");
        assertThat(inflight.retries()).as("retries used by the send the database could not record").isZero();
        assertThat(inflight.errorCode()).isNull();
        assertThat(inflight.errorTitle()).isNull();
        // its first send reached the provider, but no record of it did: the outbox sent it again
        assertThat(sendsOf("inflight-1")).isEqualTo(2);
        assertThat(statusOf("during-1")).as("refused while the database was down: never stored").isNull();
    }

    private HttpResponse<String> push(String id, String digits) throws Exception {
        return postJson("/api/notifications", TOKEN, "{\"id\": \"" + id + "\", \"to\": \"+" + digits + "\", "
                + "\"template\": {\"name\": \"order_shipped\", \"language\": \"en_US\"}}");
    }

    private HttpResponse<String> health() throws Exception {
        String port = context.resolvePropertyPlaceholders("{{camel.management.port}}");
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/observe/health"))
                .timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode databaseCheck(HttpResponse<String> health) throws IOException {
        for (JsonNode check : json.readTree(health.body()).path("checks")) {
            if (check.path("name").asText().equals("database")) {
                return check;
            }
        }
        throw new AssertionError("no database check in " + health.body());
    }

    /** Holds the provider's answer until the test releases it: the send is in flight while the database stops. */
    static final class HeldAnswer implements ResponseDefinitionTransformerV2 {
        static final String NAME = "held-answer";
        final CountDownLatch arrived = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            arrived.countDown();
            try {
                release.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return serveEvent.getResponseDefinition();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }

    /** The application's log lines, level first. */
    static final class LogLines extends AbstractAppender {
        final List<String> lines = new CopyOnWriteArrayList<>();

        LogLines() {
            super("database-outage-test", null, null, true, Property.EMPTY_ARRAY);
            start();
        }

        @Override
        public void append(LogEvent event) {
            lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        }

        boolean contains(Level level, String... parts) {
            return lines.stream().anyMatch(l -> l.startsWith(level.name()) && List.of(parts).stream().allMatch(l::contains));
        }
    }
}
