package io.windowgate.it;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Part (b) of the latency benchmark: CRM push latency at a fixed rate (target: p99 under 50 ms at 200 requests/s).
 *
 * <p>Starts the packaged jar in its own JVM ({@link WindowgateProcess}: -Xmx256m, Cloud API mode against a local
 * {@link ProviderStandIn}, rate limits lifted) on a fresh HSQLDB file database. An open-loop generator then sends
 * {@code POST /api/notifications} requests, each with one template notification, on a fixed schedule: request i is
 * due at start + i / rate, whether or not earlier answers came back (the JDK HttpClient sends them asynchronously, on
 * as many connections as are in flight). The latency of a request is measured from its scheduled time, not from when
 * it was actually sent, so a stall of the app or of the generator counts against every request it delays (no
 * coordinated omission). A warm-up phase at the same rate runs first and is not counted.
 *
 * <p>Environment: {@code CRM_RATE} (requests/s, default 200), {@code CRM_SECONDS} (measured seconds, default 30),
 * {@code CRM_WARMUP_SECONDS} (default 20).
 */
final class CrmPushLatencyBenchmark {

    static final double TARGET_P99_MS = 50.0;
    static final String TOKEN = "bench-latency-token";

    private final Path jar;
    private final Path workDir;
    private final int rate = env("CRM_RATE", 200);
    private final int seconds = env("CRM_SECONDS", 30);
    private final int warmupSeconds = env("CRM_WARMUP_SECONDS", 20);

    CrmPushLatencyBenchmark(Path jar, Path workDir) {
        this.jar = jar;
        this.workDir = workDir;
    }

    /** What one phase of the open-loop schedule saw. */
    record Phase(int requests, long[] latencyNanos, int non202, int errors, double lateStartMaxMs) {

        /** The latency at quantile q (nearest rank), in ms. */
        double percentileMs(double q) {
            long[] sorted = latencyNanos.clone();
            Arrays.sort(sorted);
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
        }
    }

    void run(BenchReport report) throws Exception {
        report.line("(b) CRM push latency: open loop at %d requests/s for %d s after a %d s warm-up; one template "
                + "notification per POST; the app in its own JVM with -Xmx256m, fresh HSQLDB", rate, seconds,
                warmupSeconds);
        Path data = workDir.resolve("crm");
        LatencyBenchmark.deleteTree(data);
        Path log = Path.of("target", "benchmark-latency-crm.log");
        java.nio.file.Files.deleteIfExists(log);
        try (ProviderStandIn provider = new ProviderStandIn(8, 0)) {
            Map<String, String> config = WindowgateProcess.cloudApiProperties(data, provider.messagesUrl(), TOKEN);
            WindowgateProcess app = new WindowgateProcess(jar, data.resolve("work"), log, config,
                    LatencyBenchmark.appJvmOptions("crm"));
            URI endpoint = URI.create("http://127.0.0.1:" + config.get("camel.server.port") + "/api/notifications");
            ExecutorService callbacks = Executors.newFixedThreadPool(4, daemon("crm-client"));
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).executor(callbacks).build();
            try {
                app.start().waitHealthy(Duration.ofSeconds(120));

                Phase warmup = openLoop(client, endpoint, "warm-", rate * warmupSeconds);
                awaitDelivered(provider, "warm-", warmup.requests);
                report.line("   warm-up: %d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d non-202, %d errors",
                        warmup.requests, warmup.percentileMs(0.50), warmup.percentileMs(0.99),
                        warmup.percentileMs(1.0), warmup.non202, warmup.errors);

                long t0 = System.nanoTime();
                double appCpu0 = CpuTime.ofProcess(app.pid());
                double benchCpu0 = CpuTime.ofThisJvm();
                Phase measured = openLoop(client, endpoint, "crm-", rate * seconds);
                double sendSeconds = LatencyBenchmark.secondsSince(t0);
                double appCores = (CpuTime.ofProcess(app.pid()) - appCpu0) / sendSeconds;
                double benchCores = (CpuTime.ofThisJvm() - benchCpu0) / sendSeconds;
                awaitDelivered(provider, "crm-", measured.requests);
                double deliveredSeconds = LatencyBenchmark.secondsSince(t0);
                long repeats = provider.total() - provider.distinctIds();

                report.line("   measured: %d requests in %.1f s; latency from the scheduled send time: p50 %.1f ms, "
                                + "p95 %.1f ms, p99 %.1f ms, max %.1f ms", measured.requests, sendSeconds,
                        measured.percentileMs(0.50), measured.percentileMs(0.95), measured.percentileMs(0.99),
                        measured.percentileMs(1.0));
                report.line("   non-202 answers %d, failed requests %d, generator late by at most %.1f ms; every "
                                + "pushed notification reached the stand-in %.1f s after the first request; "
                                + "repeated sends %d; app peak RSS %d MiB", measured.non202, measured.errors,
                        measured.lateStartMaxMs, deliveredSeconds, repeats, app.peakRssKib() / 1024);
                report.line("   CPU while measuring: the app %.2f cores, the benchmark JVM (generator and stand-in) "
                        + "%.2f cores, of %d", appCores, benchCores, Runtime.getRuntime().availableProcessors());
                double p99 = measured.percentileMs(0.99);
                report.target("(b) CRM push p99 under 50 ms at " + rate + " requests/s",
                        p99 < TARGET_P99_MS && measured.non202 == 0 && measured.errors == 0 && rate >= 200,
                        String.format("p99 %.1f ms, %d non-202, %d errors", p99, measured.non202, measured.errors));
            } catch (Exception | AssertionError e) {
                System.out.println("----- (b) failed; last 60 lines of " + log + "\n" + app.logTail(60));
                throw e;
            } finally {
                app.stop();
                callbacks.shutdownNow();
                LatencyBenchmark.deleteTree(data);
            }
        }
    }

    /**
     * Sends {@code count} requests on the fixed schedule and waits for every answer. The schedule thread only
     * starts requests; answers are handled on the client's executor.
     */
    private Phase openLoop(HttpClient client, URI endpoint, String idPrefix, int count) throws Exception {
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long[] latency = new long[count];
        AtomicInteger non202 = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        List<CompletableFuture<?>> answers = new ArrayList<>(count);
        long lateMax = 0;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        for (int i = 0; i < count; i++) {
            long due = start + i * interval;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            lateMax = Math.max(lateMax, System.nanoTime() - due);
            String id = idPrefix + i;
            String body = "{\"id\":\"" + id + "\",\"to\":\"" + WindowgateApi.recipient(i) + "\",\"template\":"
                    + "{\"name\":\"order_shipped\",\"language\":\"en_US\",\"params\":[\"" + i + "\"]}}";
            HttpRequest post = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            int index = i;
            answers.add(client.sendAsync(post, HttpResponse.BodyHandlers.ofString()).whenComplete((answer, error) -> {
                latency[index] = System.nanoTime() - due;
                if (error != null) {
                    errors.incrementAndGet();
                } else if (answer.statusCode() != 202 || !answer.body().contains("\"" + id + "\"")) {
                    non202.incrementAndGet();
                }
            }));
        }
        // an error is counted above; waiting must not stop at the first one
        CompletableFuture.allOf(answers.stream().map(f -> f.exceptionally(e -> null))
                .toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        return new Phase(count, latency, non202.get(), errors.get(), lateMax / 1e6);
    }

    /** Waits until the stand-in has seen every id of the phase; fails naming the first that never arrived. */
    private static void awaitDelivered(ProviderStandIn provider, String prefix, int count) {
        try {
            await("every " + prefix + "* notification at the stand-in").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(50)).until(() -> {
                        for (int i = count - 1; i >= 0; i--) {
                            if (provider.sendsOf(prefix + i) == 0) {
                                return false;
                            }
                        }
                        return true;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            for (int i = 0; i < count; i++) {
                if (provider.sendsOf(prefix + i) == 0) {
                    throw new IllegalStateException(prefix + i + " never reached the stand-in", e);
                }
            }
            throw e;
        }
    }

    private static int env(String name, int fallback) {
        return Integer.parseInt(System.getenv().getOrDefault(name, Integer.toString(fallback)));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
