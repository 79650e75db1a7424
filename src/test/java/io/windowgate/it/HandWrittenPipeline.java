package io.windowgate.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.notification.Status;
import io.windowgate.store.CostLedgerStore;
import io.windowgate.store.DeliveryRecords;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.store.StatementPins;
import io.windowgate.store.TemplateStore;
import io.windowgate.template.TemplateLoader;
import io.windowgate.template.UsageLedger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The bulk benchmark's third contestant: the durable per-row work that Windowgate's CSV path keeps, written by hand in
 * plain Java, with none of Camel, CSV parsing or validation. It tells how much of the gap to the bare client the
 * store itself makes, and so what the bulk ratio could reach with any route design that stores every row before its
 * send and records every send before the sender takes the next row.
 *
 * <p>Per chunk of {@code chunkSize} rows (the app's drop.batch-size), one thread stores the rows, claimed, in one
 * transaction ({@code NotificationStore.insertAll}) while {@code concurrency} senders send the previous chunk, as
 * csv-drop-ingest does. Per row a sender looks up the window ({@code SessionWindowStore.lastInboundAt}), for a
 * template row the registry entry ({@code TemplateStore.find}), posts the same Cloud API body as the bare client with
 * the JDK HttpClient, reads the wamid from the answer and records the send with its cost estimate
 * ({@code DeliveryRecords.markSent}: group commit, one disk sync per group). The database is set up as the app sets
 * up its own (pool size, migrations, statement pins on HSQLDB); the stand-in is the benchmark's.
 */
final class HandWrittenPipeline implements AutoCloseable {

    private final BulkWorkload workload;
    private final int concurrency;
    private final int chunkSize;
    private final HikariDataSource pool;
    private final NotificationStore notifications;
    private final DeliveryRecords records;
    private final SessionWindowStore windows;
    private final TemplateStore templates;
    private final SessionWindowPolicy windowPolicy;
    private final UsageLedger usage;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    /**
     * Migrates the empty database at {@code jdbcUrl} (HSQLDB or PostgreSQL, with the app's migrations, and on HSQLDB
     * its statement pins), loads samples/templates.json and opens every second window.
     */
    HandWrittenPipeline(BulkWorkload workload, String jdbcUrl, String user, String password, int concurrency,
            int chunkSize) throws Exception {
        this.workload = workload;
        this.concurrency = concurrency;
        this.chunkSize = chunkSize;
        HikariConfig config = new HikariConfig();
        config.setPoolName("hand-written");
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        // the app's db.pool-size
        config.setMaximumPoolSize(10);
        pool = new HikariDataSource(config);
        String vendor = jdbcUrl.startsWith("jdbc:postgresql:") ? "postgresql" : "hsqldb";
        Flyway.configure().dataSource(pool).locations("classpath:db/migration/common", "classpath:db/migration/" + vendor)
                .load().migrate();
        DataSource dataSource = vendor.equals("hsqldb") ? new StatementPins(pool) : pool;
        Clock clock = Clock.systemUTC();
        notifications = new NotificationStore(dataSource, clock);
        records = new DeliveryRecords(dataSource, clock);
        windows = new SessionWindowStore(dataSource, clock);
        templates = new TemplateStore(dataSource, clock);
        windowPolicy = new SessionWindowPolicy(clock, 24, Duration.ofMinutes(5));
        // only its estimate is used, which needs no metrics
        usage = new UsageLedger(new CostLedgerStore(dataSource, clock), windowPolicy, () -> null);
        try (InputStream sample = HandWrittenPipeline.class.getResourceAsStream("/samples/templates.json")) {
            if (sample == null) {
                throw new IllegalStateException("samples/templates.json is not on the classpath (run test-compile)");
            }
            new TemplateLoader(templates).load(sample.readAllBytes());
        }
        Instant now = Instant.now();
        for (int r = 0; r < workload.recipients(); r++) {
            if (BulkWorkload.hasOpenWindow(r)) {
                windows.recordInbound(BulkWorkload.recipient(r), now, "wamid.in.hand." + r);
            }
        }
    }

    /**
     * Stores and sends rows [0, count) under ids {@code prefix + i} to {@code messagesUrl}; returns when every send is
     * recorded. The stand-in counts the ids as it does the app's.
     */
    void run(String prefix, int count, String messagesUrl, String accessToken) throws Exception {
        URI uri = URI.create(messagesUrl);
        String owner = "hand-" + prefix;
        ExecutorService senders = Executors.newFixedThreadPool(concurrency, r -> {
            Thread thread = new Thread(r, "hand-written-sender");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> previous = List.of();
            for (int first = 0; first < count; first += chunkSize) {
                List<Notification> chunk = new ArrayList<>(chunkSize);
                List<Integer> rows = new ArrayList<>(chunkSize);
                for (int i = first; i < Math.min(count, first + chunkSize); i++) {
                    chunk.add(workload.notification(prefix + i, i));
                    rows.add(i);
                }
                boolean[] stored = notifications.insertAll(chunk, Collections.nCopies(chunk.size(), Status.QUEUED),
                        owner, Instant.now().plusSeconds(60));
                for (int k = 0; k < stored.length; k++) {
                    if (!stored[k]) {
                        throw new IllegalStateException("id " + chunk.get(k).id() + " was stored before");
                    }
                }
                awaitAll(previous);
                List<Future<?>> sends = new ArrayList<>(chunk.size());
                for (int k = 0; k < chunk.size(); k++) {
                    Notification n = chunk.get(k);
                    int row = rows.get(k);
                    sends.add(senders.submit(() -> {
                        send(n, row, uri, accessToken);
                        return null;
                    }));
                }
                previous = sends;
            }
            awaitAll(previous);
        } finally {
            senders.shutdownNow();
        }
    }

    private void send(Notification n, int row, URI uri, String accessToken) throws Exception {
        Instant lastInboundAt = windows.lastInboundAt(n.to());
        boolean session = n.hasText() && windowPolicy.isOpen(lastInboundAt);
        Category category = null;
        if (!session) {
            TemplateStore.Entry entry = templates.find(n.template().name(), n.template().language());
            if (entry == null || !"APPROVED".equals(entry.status())) {
                throw new IllegalStateException("template " + n.template().name() + " is not approved in the registry");
            }
            category = entry.category();
        }
        HttpRequest post = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + accessToken)
                .POST(HttpRequest.BodyPublishers.ofString(workload.cloudApiBody(n.id(), row))).build();
        HttpResponse<String> answer;
        try {
            answer = client.send(post, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // a kept-alive connection the server had just closed: once more, as the bare client does
            answer = client.send(post, HttpResponse.BodyHandlers.ofString());
        }
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("stand-in answered " + answer.statusCode());
        }
        String wamid = json.readTree(answer.body()).path("messages").path(0).path("id").asText(null);
        String route = session ? "session" : "template";
        records.markSent(n.id(), route, wamid, usage.estimate(route, lastInboundAt, category));
    }

    private static void awaitAll(List<Future<?>> futures) throws Exception {
        for (Future<?> f : futures) {
            f.get();
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
