package io.windowgate.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Bulk throughput with the durable outbox against the last build without it ("the outbox does not cut bulk
 * throughput by more than a third"). Run by {@code .ci/benchmark-outbox}, which builds both jars.
 *
 * <p>For each jar, baseline first (and again, alternating, for ROUNDS rounds): a fresh work dir and database, a
 * fresh Cloud API stand-in, rate limits lifted; start, warm up (a 1,000-row drop and a 1,000-item CRM push), then
 * measure
 * <ol>
 *   <li>CSV drop of ROWS template rows: from the rename into drop.dir to the stand-in's last new id → rows/s;</li>
 *   <li>CRM push of CRM_ITEMS template items in POSTs of 1,000: from the first POST to the last new id sent
 *       → items/s;</li>
 * </ol>
 * and the app's peak RSS (VmHWM) at the end. Prints a table with current/baseline ratios, writes it to the report
 * file, and exits 1 when a ratio is below 2/3.
 *
 * <p>Usage: {@code OutboxBenchmark <baseline.jar> <current.jar> [rows=20000] [crmItems=10000] [report]}.
 * Environment: {@code JAVA_OPTS} = extra JVM options for the app (not this JVM), where {@code {label}} becomes
 * baseline/current, e.g. {@code -XX:StartFlightRecording=filename=target/bench-{label}.jfr,settings=profile};
 * {@code STANDIN_DELAY_MS} = the stand-in's answer delay (default 0: measures Windowgate's own cost);
 * {@code ROUNDS} = rounds of (baseline, current), default 2; the table takes each jar's best round.
 * System property {@code bench.baseline-ref} names the baseline in the table.
 */
public final class OutboxBenchmark {

    static final int WARMUP = 1_000;
    static final int CRM_BATCH = 1_000;
    static final String API_TOKEN = "bench-api-token";

    /** One jar's figures. */
    record Result(String label, Path jar, double csvSeconds, double crmSeconds, double crmAcceptSeconds, long repeats,
                  long peakRssKib, int rows, int crmItems) {

        double csvRate() {
            return rows / csvSeconds;
        }

        double crmRate() {
            return crmItems / crmSeconds;
        }
    }

    public static void main(String[] args) {
        BenchReport.exitWith(() -> benchmark(args));
    }

    /** Runs the benchmark; returns the exit status (0 = both ratios at least 2/3, 1 = one below, 2 = usage). */
    static int benchmark(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: OutboxBenchmark <baseline.jar> <current.jar> [rows] [crmItems] [report]");
            return 2;
        }
        Path baselineJar = Path.of(args[0]).toAbsolutePath();
        Path currentJar = Path.of(args[1]).toAbsolutePath();
        int rows = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        int crmItems = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        Path report = Path.of(args.length > 4 ? args[4] : "target/benchmark-outbox.txt");
        long delayMs = Long.parseLong(System.getenv().getOrDefault("STANDIN_DELAY_MS", "0"));

        int rounds = Integer.parseInt(System.getenv().getOrDefault("ROUNDS", "2"));

        warmStandIn();
        // baseline, current, baseline, current, ...: a drift of the machine hits both alike; the best round counts
        List<Result> baselines = new ArrayList<>();
        List<Result> currents = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            System.out.printf("%n######## round %d of %d%n", round, rounds);
            baselines.add(run("baseline", baselineJar, rows, crmItems, delayMs));
            currents.add(run("current", currentJar, rows, crmItems, delayMs));
        }
        Result baseline = best(baselines);
        Result current = best(currents);

        String table = table(baseline, current, delayMs, baselines, currents);
        System.out.println();
        System.out.println(table);
        Files.createDirectories(report.toAbsolutePath().getParent());
        Files.writeString(report, table + "\n", StandardCharsets.UTF_8);
        System.out.println("(written to " + report + ")");
        boolean ok = current.csvRate() >= baseline.csvRate() * 2 / 3 && current.crmRate() >= baseline.crmRate() * 2 / 3;
        return ok ? 0 : 1;
    }

    /** The best CSV and the best CRM figure of one jar's rounds (and its highest peak RSS). */
    static Result best(List<Result> rounds) {
        Result csv = rounds.stream().min(Comparator.comparingDouble(Result::csvSeconds)).orElseThrow();
        Result crm = rounds.stream().min(Comparator.comparingDouble(Result::crmSeconds)).orElseThrow();
        return new Result(csv.label, csv.jar, csv.csvSeconds, crm.crmSeconds, crm.crmAcceptSeconds,
                rounds.stream().mapToLong(Result::repeats).max().orElseThrow(),
                rounds.stream().mapToLong(Result::peakRssKib).max().orElseThrow(), csv.rows, csv.crmItems);
    }

    /**
     * The stand-in runs in this JVM: JIT-compile its code before the first measurement (20,000 sends from 4
     * threads to a throwaway instance), or the first jar measured would pay for it.
     */
    static void warmStandIn() throws Exception {
        long t = System.nanoTime();
        try (ProviderStandIn standIn = new ProviderStandIn(8, 0)) {
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1).build();
            ExecutorService senders = Executors.newFixedThreadPool(4, r -> {
                Thread thread = new Thread(r, "warm-up");
                thread.setDaemon(true);
                return thread;
            });
            List<Future<?>> done = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                int first = thread * 5_000;
                done.add(senders.submit(() -> {
                    for (int i = first; i < first + 5_000; i++) {
                        String body = "{\"messaging_product\":\"whatsapp\",\"to\":\"" + WindowgateApi.recipient(i)
                                + "\",\"type\":\"template\",\"biz_opaque_callback_data\":\"warm-" + i + "\"}";
                        try {
                            client.send(HttpRequest.newBuilder(URI.create(standIn.messagesUrl()))
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                    HttpResponse.BodyHandlers.discarding());
                        } catch (IOException e) {
                            // a pooled connection lost a race with the server: it is only a warm-up
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            senders.shutdown();
            System.out.printf("== stand-in warmed up: %d sends in %.1f s%n", standIn.total(), secondsSince(t));
        }
    }

    /** Starts one jar on a fresh database, warms it up, measures the CSV drop and then the CRM push. */
    static Result run(String label, Path jar, int rows, int crmItems, long delayMs) throws Exception {
        Path data = Files.createTempDirectory("windowgate-bench-" + label + "-");
        Path log = Path.of("target", "benchmark-" + label + ".log");
        Files.deleteIfExists(log);
        System.out.printf("== %s: %s (work dir %s, log %s)%n", label, jar, data, log);
        try (ProviderStandIn provider = new ProviderStandIn(8, delayMs)) {
            Map<String, String> config = WindowgateProcess.cloudApiProperties(data, provider.messagesUrl(), API_TOKEN);
            WindowgateProcess app = new WindowgateProcess(jar, data.resolve("work"), log, config, appJvmOptions(label));
            WindowgateApi api = new WindowgateApi(Integer.parseInt(config.get("camel.server.port")), API_TOKEN);
            Path dropDir = Path.of(config.get("drop.dir"));
            try {
                app.start().waitHealthy(Duration.ofSeconds(120));

                // warm-up: the JIT and the connection pools, on both paths
                long t = System.nanoTime();
                drop(provider, dropDir, "warmup.csv", "warm-csv-", WARMUP);
                awaitDone(dropDir, "warmup.csv");
                push(provider, api, "warm-crm-", WARMUP);
                System.out.printf("   warm-up (%d rows + %d CRM items) took %.1f s%n", WARMUP, WARMUP, secondsSince(t));

                // (a) CSV drop; the next phase starts only once the file is done
                double csvSeconds = drop(provider, dropDir, "bulk.csv", "csv-", rows);
                awaitDone(dropDir, "bulk.csv");
                System.out.printf("   CSV drop: %d rows in %.2f s = %.0f rows/s%n", rows, csvSeconds,
                        rows / csvSeconds);

                // (b) CRM push
                double[] crm = push(provider, api, "crm-", crmItems);
                System.out.printf("   CRM push: %d items in %.2f s = %.0f items/s (all 202s after %.2f s)%n", crmItems,
                        crm[0], crmItems / crm[0], crm[1]);

                long repeats = provider.total() - provider.distinctIds();
                long rss = app.peakRssKib();
                return new Result(label, jar, csvSeconds, crm[0], crm[1], repeats, rss, rows, crmItems);
            } catch (Exception | AssertionError e) {
                System.out.println("----- " + label + " failed; last 60 lines of " + log + "\n" + app.logTail(60));
                throw e;
            } finally {
                app.stop();
                deleteTree(data);
            }
        }
    }

    /** Drops {@code count} template rows as one file; returns seconds from the rename to the last new id sent. */
    static double drop(ProviderStandIn provider, Path dropDir, String name, String prefix, int count)
            throws Exception {
        Path staged = WindowgateApi.stage(dropDir, name, WindowgateApi.templateCsv(prefix, 0, count));
        int target = provider.distinctIds() + count;
        long t0 = System.nanoTime();
        WindowgateApi.publish(staged);
        awaitSends(provider, target, count);
        return (provider.lastNewIdNanos() - t0) / 1e9;
    }

    /**
     * Pushes {@code count} template items in POSTs of 1,000, one after another; returns {seconds from the first POST
     * to the last new id sent, seconds until the last 202}.
     */
    static double[] push(ProviderStandIn provider, WindowgateApi api, String prefix, int count) throws Exception {
        int target = provider.distinctIds() + count;
        long t0 = System.nanoTime();
        for (int from = 0; from < count; from += CRM_BATCH) {
            JsonNode answer = api.push(WindowgateApi.templateItems(prefix, from, Math.min(count, from + CRM_BATCH)));
            int accepted = WindowgateApi.accepted(answer).size();
            if (accepted != Math.min(CRM_BATCH, count - from)) {
                throw new IllegalStateException("CRM push accepted " + accepted + " items: " + answer);
            }
        }
        double acceptSeconds = secondsSince(t0);
        awaitSends(provider, target, count);
        return new double[] {(provider.lastNewIdNanos() - t0) / 1e9, acceptSeconds};
    }

    /** Waits until the stand-in has seen {@code target} distinct ids; generous: at least 20 sends/s. */
    static void awaitSends(ProviderStandIn provider, int target, int count) {
        await("stand-in has seen " + target + " distinct ids")
                .atMost(Duration.ofSeconds(Math.max(120, count / 20)))
                .pollInterval(Duration.ofMillis(20)).until(() -> provider.distinctIds() >= target);
    }

    /** Waits until the app has moved a dropped file to .done/ (its reading thread has finished with it). */
    static void awaitDone(Path dropDir, String name) {
        await(name + " in .done/").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                .until(() -> Files.exists(dropDir.resolve(".done").resolve(name)));
    }

    static List<String> appJvmOptions(String label) {
        String opts = System.getenv().getOrDefault("JAVA_OPTS", "").replace("{label}", label).trim();
        return opts.isEmpty() ? List.of() : Arrays.asList(opts.split("\\s+"));
    }

    static String table(Result baseline, Result current, long delayMs, List<Result> baselines,
                        List<Result> currents) {
        String ref = System.getProperty("bench.baseline-ref", "before the outbox");
        List<String> out = new ArrayList<>();
        out.add(String.format("Outbox benchmark: %d CSV rows, %d CRM items (POSTs of %d), warm JVM after %d + %d, "
                        + "stand-in delay %d ms, %d cores; best of %d round(s) per jar", current.rows,
                current.crmItems, CRM_BATCH, WARMUP, WARMUP, delayMs, Runtime.getRuntime().availableProcessors(),
                baselines.size()));
        for (int i = 0; i < baselines.size(); i++) {
            out.add(String.format("  round %d: baseline CSV %.0f rows/s, CRM %.0f items/s; current CSV %.0f rows/s, "
                            + "CRM %.0f items/s", i + 1, baselines.get(i).csvRate(), baselines.get(i).crmRate(),
                    currents.get(i).csvRate(), currents.get(i).crmRate()));
        }
        out.add(String.format("%-28s %16s %16s %18s", "", "baseline " + ref, "current", "current/baseline"));
        out.add(row("CSV drop, rows/s", baseline.csvRate(), current.csvRate(), true));
        out.add(row("CRM push, items/s", baseline.crmRate(), current.crmRate(), true));
        out.add(row("CRM push, s until all 202", baseline.crmAcceptSeconds, current.crmAcceptSeconds, false));
        out.add(row("peak RSS, MiB (-Xmx256m)", baseline.peakRssKib / 1024.0, current.peakRssKib / 1024.0, false));
        out.add(String.format("%-28s %16d %16d", "repeated sends", baseline.repeats, current.repeats));
        double csv = current.csvRate() / baseline.csvRate();
        double crm = current.crmRate() / baseline.crmRate();
        boolean ok = csv >= 2.0 / 3 && crm >= 2.0 / 3;
        out.add(String.format("verdict: %s (throughput ratios CSV %.2f, CRM %.2f; the limit is 0.67)",
                ok ? "PASS, the outbox costs at most a third" : "FAIL, the outbox costs more than a third", csv, crm));
        return String.join("\n", out);
    }

    private static String row(String name, double baseline, double current, boolean rate) {
        return String.format("%-28s %16s %16s %18.2f", name, rate ? String.format("%.0f", baseline)
                : String.format("%.2f", baseline), rate ? String.format("%.0f", current)
                : String.format("%.2f", current), current / baseline);
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            System.out.println("   could not delete " + dir + ": " + e);
        }
    }
}
