package io.windowgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durable outbox's promise, tested on the packaged jar with real kill -9s: whatever Windowgate accepted
 * is sent after a crash and restart, and the only repeats are the sends that were in flight at the kill, at most
 * {@code dispatch.concurrency + 1} per kill (the outbox threads plus the CSV reader's thread).
 *
 * <p>A CSV drop of 3,000 template rows and two CRM pushes of 500 go to a Cloud API stand-in that answers after 2 ms.
 * The app is killed once 30 % of the sends are seen and the first CRM batch is being sent, restarted with the same
 * configuration, given the second batch once the CSV rows flow again, killed again while that batch is being sent,
 * and restarted; then every notification must have been sent and none may stay QUEUED.
 */
@Timeout(240)
class CrashRecoveryIT {

    static final int CONCURRENCY = 4;
    static final int CSV_ROWS = 3_000;
    static final int CRM_BATCHES = 2;
    static final int CRM_BATCH = 500;
    static final int KILLS = 2;
    static final int EXPECTED = CSV_ROWS + CRM_BATCHES * CRM_BATCH;
    static final String API_TOKEN = "it-api-token";

    @TempDir
    Path data;

    ProviderStandIn provider;
    WindowgateProcess app;

    /** On failure, the tail of the app's log (all starts go to one file under target/it-logs/). */
    @RegisterExtension
    final TestWatcher printLogOnFailure = WindowgateProcess.printLogOnFailure(() -> app);

    @AfterEach
    void tearDown() throws InterruptedException {
        if (app != null) {
            app.stop();
        }
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    void afterKillMinus9TwiceEveryAcceptedNotificationIsSentAndOnlyInFlightSendsRepeat() throws Exception {
        provider = new ProviderStandIn(4, 2);
        Map<String, String> config = WindowgateProcess.killableProperties(data, provider.messagesUrl(), API_TOKEN,
                CONCURRENCY);
        app = new WindowgateProcess(WindowgateProcess.defaultJar(), data.resolve("work"),
                WindowgateProcess.itLog("CrashRecoveryIT"), config, List.of());
        WindowgateApi api = new WindowgateApi(Integer.parseInt(config.get("camel.server.port")), API_TOKEN);
        Path dropDir = Path.of(config.get("drop.dir"));

        Set<String> expected = new LinkedHashSet<>();
        for (int i = 0; i < CSV_ROWS; i++) {
            expected.add("csv-" + i);
        }
        for (int i = 0; i < CRM_BATCHES * CRM_BATCH; i++) {
            expected.add("crm-" + i);
        }

        // run 1: the CSV drop; at 30 % of all sends, CRM batch 1, and the kill as soon as its first sends go out, so
        // the outbox holds claimed and unclaimed notifications of it. (A 202 means committed: none may be lost.)
        app.start().waitHealthy(Duration.ofSeconds(60));
        WindowgateApi.publish(WindowgateApi.stage(dropDir, "bulk.csv", WindowgateApi.templateCsv("csv-", 0, CSV_ROWS)));
        awaitSent("30 % of all notifications", () -> provider.distinctIds() >= EXPECTED * 3 / 10);
        pushCrmBatch(api, 0);
        List<Map<String, Integer>> atKill = new ArrayList<>();
        atKill.add(killWhen("the first sends of CRM batch 1", () -> crmSent(0) >= 20));

        // run 2: same configuration; once the CSV reader sends new rows again (past the duplicates), CRM batch 2, and
        // the kill as soon as its first sends go out. (Not waitHealthy: while the re-read of bulk.csv runs, health is
        // DOWN: see waitStarted.)
        app.start().waitStarted(Duration.ofSeconds(60));
        int resumed = atKill.get(0).size() + 200;
        awaitSent(resumed + " notifications", () -> provider.distinctIds() >= resumed);
        pushCrmBatch(api, 1);
        atKill.add(killWhen("the first sends of CRM batch 2", () -> crmSent(1) >= 20));

        // run 3: everything goes out, nothing stays QUEUED, and health is UP again at the end
        app.start().waitStarted(Duration.ofSeconds(60));
        long recoveryStart = System.nanoTime();
        try {
            await("every accepted notification sent and none QUEUED").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
                        List<String> unsent = unsent(expected);
                        assertThat(unsent.stream().limit(20).toList())
                                .as("accepted notifications not sent yet (%d, the first 20 shown)", unsent.size())
                                .isEmpty();
                        assertThat(api.list("QUEUED", 500)).as("QUEUED notifications listed by the API").isEmpty();
                    });
        } catch (ConditionTimeoutException e) {
            // evidence for the report: what the app says about the notifications that never reached the provider
            for (String id : unsent(expected).stream().limit(20).toList()) {
                System.out.printf("never sent: %s; GET /api/notifications/%s: %s%n", id, id, describe(api, id));
            }
            throw e;
        }
        double recoverySeconds = (System.nanoTime() - recoveryStart) / 1e9;
        app.waitHealthy(Duration.ofSeconds(30));

        // the figures: repeats per kill = ids sent before that kill and sent again after it
        Map<String, Integer> end = provider.snapshot();
        List<Set<String>> repeatedAfterKill = new ArrayList<>();
        for (int k = 0; k < KILLS; k++) {
            Map<String, Integer> before = atKill.get(k);
            Map<String, Integer> after = k + 1 < KILLS ? atKill.get(k + 1) : end;
            repeatedAfterKill.add(before.keySet().stream().filter(id -> after.get(id) > before.get(id))
                    .collect(Collectors.toCollection(TreeSet::new)));
        }
        Map<String, Integer> repeated = new TreeMap<>();
        end.forEach((id, n) -> {
            if (n > 1) {
                repeated.put(id, n);
            }
        });
        Map<Integer, Long> histogram = end.values().stream()
                .collect(Collectors.groupingBy(n -> n, TreeMap::new, Collectors.counting()));
        Set<String> unexpected = new HashSet<>(end.keySet());
        unexpected.removeAll(expected);

        System.out.printf("%nCrashRecoveryIT figures: %d notifications accepted (%d CSV rows, %d CRM items), "
                        + "dispatch.concurrency=%d, %d kills%n", EXPECTED, CSV_ROWS, CRM_BATCHES * CRM_BATCH,
                CONCURRENCY, KILLS);
        for (int k = 0; k < KILLS; k++) {
            System.out.printf("  kill %d: %d ids sent before it; %d of them sent again after it %s%n", k + 1,
                    atKill.get(k).size(), repeatedAfterKill.get(k).size(), repeatedAfterKill.get(k));
        }
        System.out.printf("  end: %d POSTs for %d distinct ids; ids by number of sends %s; ids sent more than once "
                        + "%d (limit %d); recovery after the last restart %.1f s; POSTs without an id %d%n",
                provider.total(), end.size(), histogram, repeated.size(), KILLS * (CONCURRENCY + 1), recoverySeconds,
                provider.withoutId());

        assertThat(unexpected).as("ids the stand-in saw that nobody submitted").isEmpty();
        assertThat(provider.withoutId()).as("sends without biz_opaque_callback_data").isZero();
        assertThat(expected).as("every accepted notification sent at least once")
                .allMatch(id -> end.getOrDefault(id, 0) >= 1);
        for (int k = 0; k < KILLS; k++) {
            assertThat(repeatedAfterKill.get(k)).as("ids repeated after kill %d (in flight at most "
                    + "dispatch.concurrency + 1)", k + 1).hasSizeLessThanOrEqualTo(CONCURRENCY + 1);
        }
        assertThat(repeated).as("ids sent more than once, over all kills")
                .hasSizeLessThanOrEqualTo(KILLS * (CONCURRENCY + 1));
        assertThat(repeated.values()).as("sends of one id (once, plus at most once per kill)")
                .allMatch(n -> n <= 1 + KILLS);
    }

    private List<String> unsent(Set<String> expected) {
        return expected.stream().filter(id -> provider.sendsOf(id) == 0).toList();
    }

    private static String describe(WindowgateApi api, String id) {
        try {
            return String.valueOf(api.notification(id));
        } catch (Exception e) {
            return "(" + e + ")";
        }
    }

    /** POST CRM batch {@code b} (ids crm-{b*500} ...); all its items must be accepted. */
    private void pushCrmBatch(WindowgateApi api, int b) throws Exception {
        JsonNode answer = api.push(WindowgateApi.templateItems("crm-", b * CRM_BATCH, (b + 1) * CRM_BATCH));
        assertThat(WindowgateApi.accepted(answer)).as("CRM batch %d accepted", b + 1).hasSize(CRM_BATCH);
    }

    /** How many ids of CRM batch {@code b} the stand-in has seen. */
    private int crmSent(int b) {
        int n = 0;
        for (int i = b * CRM_BATCH; i < (b + 1) * CRM_BATCH; i++) {
            n += provider.sendsOf("crm-" + i) > 0 ? 1 : 0;
        }
        return n;
    }

    /** Waits (60 s at most) for a condition on the stand-in's counts while the app keeps running. */
    private void awaitSent(String what, Callable<Boolean> condition) {
        await("stand-in has seen " + what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    if (!app.isAlive()) {
                        throw new IllegalStateException("Windowgate exited by itself; see " + app.log());
                    }
                    return condition.call();
                });
    }

    /** Waits for the condition, then kill -9; returns the sends per id at the kill. */
    private Map<String, Integer> killWhen(String what, Callable<Boolean> condition)
            throws InterruptedException {
        awaitSent(what, condition);
        app.kill();
        provider.awaitQuiet();
        Map<String, Integer> snapshot = provider.snapshot();
        System.out.printf("kill -9 after %s: %d distinct ids sent (%d POSTs; CRM batch 1: %d, batch 2: %d); files "
                        + "in the drop folder: %s%n", what, snapshot.size(), provider.total(), crmSent(0), crmSent(1),
                dropFolderFiles());
        return snapshot;
    }

    private String dropFolderFiles() {
        try (var files = Files.list(Path.of(app.property("drop.dir")))) {
            return files.map(f -> f.getFileName().toString()).sorted().toList().toString();
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
