package io.windowgate.it;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The full-loop benchmark: Windowgate as deployed (its own JVM, -Xmx256m, HSQLDB or PostgreSQL) against a Cloud API
 * stand-in that behaves like WhatsApp under load: it answers after LATENCY_MS ± JITTER, refuses sends above CAP per
 * second with 130429, and echoes every accepted send as WEBHOOKS signed status webhooks (sent, delivered, read).
 * Run by {@code .ci/benchmark-loop}, whose header documents the settings. Not a test: nothing runs it during
 * {@code mvn verify}.
 *
 * <ol>
 *   <li>Starts the stand-in in this JVM and the jar in its own, configured as the README says for the rate:
 *       whatsapp.max-messages-per-second = RATE, dispatch.concurrency = SENDERS (by default RATE × answer time × 1.5),
 *       batches of 16 per sender. Loads the sample templates and opens the window of every second recipient.</li>
 *   <li>Warm-up: WARMUP messages through the same loop (not measured), then waits until their webhooks are
 *       answered.</li>
 *   <li>Measured: MESSAGES notifications, half as a CSV drop (session texts and templates) and half as CRM pushes of
 *       1,000 (templates), all at once. Sends/s from the drop until the stand-in accepted the last new id; then waits
 *       until every webhook is answered and every notification is READ.</li>
 * </ol>
 * CPU is taken over the whole measured loop (until the last webhook is answered): the app's from /proc, the
 * stand-in's as this JVM's (the stand-in and the driver, which only polls then).
 */
public final class LoopBenchmark {

    static final String API_TOKEN = "bench-api-token";
    static final double TARGET_RATIO = 0.95;
    static final double TARGET_LAG_P99_MS = 1000;
    static final double TARGET_APP_CPU_MS = 1.5;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The run's settings, from the environment (see .ci/benchmark-loop). */
    record Settings(int rate, int cap, long latencyMs, double jitter, int messages, int warmup, int webhooks,
                    String database, int senders, String heap, String callbacksUrl, int webhookThreads,
                    int recipients, Path jfr, List<String> javaOpts, List<String> appProperties) {

        static Settings fromEnvironment() {
            Map<String, String> env = System.getenv();
            int rate = Integer.parseInt(env.getOrDefault("RATE", "400"));
            long latency = Long.parseLong(env.getOrDefault("LATENCY_MS", "200"));
            int webhooks = Integer.parseInt(env.getOrDefault("WEBHOOKS", "3"));
            if (webhooks != 0 && webhooks != 3) {
                throw new IllegalArgumentException("WEBHOOKS is 3 (sent, delivered, read) or 0, was " + webhooks);
            }
            String database = env.getOrDefault("DB", "hsqldb");
            if (!database.equals("hsqldb") && !database.equals("postgresql")) {
                throw new IllegalArgumentException("DB must be hsqldb or postgresql, was " + database);
            }
            int senders = env.containsKey("SENDERS") ? Integer.parseInt(env.get("SENDERS"))
                    : Math.max(4, (int) Math.ceil(rate * Math.max(latency, 1) / 1000.0 * 1.5));
            String jfr = env.getOrDefault("JFR", "").trim();
            String opts = env.getOrDefault("JAVA_OPTS", "").trim();
            String properties = env.getOrDefault("APP_PROPERTIES", "").trim();
            return new Settings(rate, Integer.parseInt(env.getOrDefault("CAP", Integer.toString(rate))), latency,
                    Double.parseDouble(env.getOrDefault("JITTER", "0.25")),
                    Integer.parseInt(env.getOrDefault("MESSAGES", "20000")),
                    Integer.parseInt(env.getOrDefault("WARMUP", "2000")), webhooks, database, senders,
                    env.getOrDefault("HEAP", "256m"), env.getOrDefault("CALLBACKS_URL", "{receiver}").trim(),
                    Integer.parseInt(env.getOrDefault("WEBHOOK_THREADS", "16")),
                    Integer.parseInt(env.getOrDefault("RECIPIENTS", "10000")),
                    jfr.isEmpty() ? null : Path.of(jfr).toAbsolutePath(),
                    opts.isEmpty() ? List.of() : Arrays.asList(opts.split("\\s+")),
                    properties.isEmpty() ? List.of() : Arrays.asList(properties.split("\\s+")));
        }

        /** The app's configuration for the rate, as the README's sizing advice gives it. */
        Map<String, String> appConfig(Path data, String providerUrl, EmbeddedPostgres postgres) {
            Map<String, String> config = WindowgateProcess.cloudApiProperties(data, providerUrl, API_TOKEN);
            config.put("whatsapp.max-messages-per-second", Integer.toString(rate));
            config.put("dispatch.concurrency", Integer.toString(senders));
            config.put("drop.batch-size", Integer.toString(16 * senders));
            config.put("outbox.batch-size", Integer.toString(16 * senders));
            config.put("outbox.poll-interval-ms", "100");
            config.put("whatsapp.response-timeout-ms", Long.toString(Math.max(2000, 10 * latencyMs)));
            if (senders > 256) {
                for (String component : List.of("http", "https")) {
                    config.put("camel.component." + component + ".connections-per-route", Integer.toString(senders));
                    config.put("camel.component." + component + ".max-total-connections", Integer.toString(senders));
                }
            }
            if (postgres != null) {
                config.put("db.url", "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres");
                config.put("db.username", "postgres");
                config.put("db.password", "");
            }
            if (!callbacksUrl.isEmpty()) {
                config.put("callbacks.url", callbacksUrl);
            }
            BulkBenchmark.applyAppProperties(config, appProperties, data, providerUrl);
            return config;
        }
    }

    /** What one pass through the loop measured. */
    record Loop(int messages, double seconds, double steadyRate, int mostInOneSecond, long refused, double appCpu,
                double standInCpu, LatencySamples.Summary lag, LatencySamples.Summary answer, long webhookFailures,
                long lost, long repeated, List<String> notRead, String loadBefore, String loadAfter,
                double appJit, String appThreads, String standInThreads, LatencySamples.Summary refusedShort,
                String perSecond) {

        double rate() {
            return messages / seconds;
        }
    }

    public static void main(String[] args) {
        BenchReport.exitWith(() -> benchmark(args));
    }

    static int benchmark(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LoopBenchmark <windowgate.jar> [report file]  (settings: see .ci/benchmark-loop)");
            return 2;
        }
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path reportFile = Path.of(args.length > 1 ? args[1] : "target/benchmark-loop.txt").toAbsolutePath();
        Settings s = Settings.fromEnvironment();
        BulkWorkload workload = new BulkWorkload(s.recipients());
        Path data = Files.createTempDirectory("windowgate-loop-");
        Path log = BulkBenchmark.freshFile("benchmark-loop.log");
        GcLog gcLog = new GcLog(BulkBenchmark.freshFile("benchmark-loop-gc.log"));
        BenchReport report = new BenchReport();
        report.line("== full-loop benchmark: %,d messages (+ %,d warm-up), rate %d/s, provider cap %s, answers in %d ms "
                        + "± %.0f %%, %d webhooks per send, %s, %d senders, -Xmx%s%s", s.messages(), s.warmup(),
                s.rate(), s.cap() > 0 ? s.cap() + "/s" : "none", s.latencyMs(), 100 * s.jitter(), s.webhooks(),
                s.database(), s.senders(), s.heap(), s.callbacksUrl().isEmpty() ? "" : ", callbacks.url set");
        report.line("   app log %s, work dir %s", log, data);

        EmbeddedPostgres postgres = s.database().equals("postgresql")
                ? ExpiryBenchmark.durablePostgres(data.resolve("postgresql")) : null;
        try (ProviderStandIn standIn = new ProviderStandIn(16, s.latencyMs()).jitter(s.jitter()).cap(s.cap());
             SlowEventReceiver receiver = new SlowEventReceiver(
                     Long.parseLong(System.getenv().getOrDefault("RECEIVER_DELAY_MS", "0")))) {
            Map<String, String> config = s.appConfig(data, standIn.messagesUrl(), postgres);
            // CALLBACKS_URL={receiver}: the events go to a receiver in this JVM (never to the stand-in, which counts
            // every POST as a send)
            config.replaceAll((key, value) -> value.replace("{receiver}", receiver.url()));
            List<String> jvmOptions = new ArrayList<>(List.of(gcLog.jvmOption(), "-XX:+ExitOnOutOfMemoryError"));
            if (s.jfr() != null) {
                jvmOptions.add("-XX:FlightRecorderOptions=stackdepth=256");
            }
            jvmOptions.addAll(s.javaOpts());
            WindowgateProcess app = new WindowgateProcess(jar, data.resolve("work"), log, config, jvmOptions)
                    .maxHeap(s.heap());
            int serverPort = Integer.parseInt(config.get("camel.server.port"));
            WindowgateApi api = new WindowgateApi(serverPort, API_TOKEN);
            Path dropDir = Path.of(config.get("drop.dir"));
            try {
                long t = System.nanoTime();
                app.start().waitHealthy(Duration.ofSeconds(180));
                report.line("   app started (pid %d) in %.1f s", app.pid(), BulkBenchmark.secondsSince(t));
                BulkBenchmark.prepare(api, workload, config.get("whatsapp.app-secret"));
                ProviderStandIn.StatusEcho echo = s.webhooks() == 0 ? null : standIn.echoStatuses(
                        URI.create("http://127.0.0.1:" + serverPort + "/webhooks/whatsapp"),
                        config.get("whatsapp.app-secret"), config.get("whatsapp.phone-number-id"),
                        s.webhookThreads(), Duration.ofMillis(100), Duration.ofMillis(200));
                if (s.warmup() > 0) {
                    Loop warm = loop("warm-up", s, app, api, standIn, echo, workload, dropDir, gcLog, "warm",
                            s.warmup(), null);
                    report.line("   warm-up: %,d messages at %,.0f sends/s", s.warmup(), warm.rate());
                }
                BulkBenchmark.resetPeakRss(app.pid());
                gcLog.mark();
                Loop m = loop("measured", s, app, api, standIn, echo, workload, dropDir, gcLog, "loop",
                        s.messages(), s.jfr());
                GcLog.Figures gc = gcLog.sinceMark();
                report(report, s, m, gc, app.peakRssKib(), echo != null);
                if (receiver.received() > 0) {
                    report.line("event POSTs at the receiver (callbacks.url={receiver}, answering after %d ms): %,d",
                            receiver.delayMs(), receiver.received());
                }
                report.write(reportFile);
                System.out.println("(written to " + reportFile + ")");
                return report.allMet() ? 0 : 1;
            } catch (Exception | AssertionError e) {
                System.out.println("----- failed; last 60 lines of " + log + "\n" + app.logTail(60));
                throw e;
            } finally {
                app.stop();
                if (postgres != null) {
                    postgres.close();
                }
                BulkBenchmark.deleteTree(data);
            }
        }
    }

    /**
     * One pass: {@code count} notifications, the first half as a CSV drop and the rest as CRM pushes of 1,000, sent at
     * once; returns when every send is accepted, every webhook answered and every notification READ.
     */
    static Loop loop(String label, Settings s, WindowgateProcess app, WindowgateApi api, ProviderStandIn standIn,
                     ProviderStandIn.StatusEcho echo, BulkWorkload workload, Path dropDir, GcLog gcLog, String prefix,
                     int count, Path jfr) throws Exception {
        int csvRows = count / 2;
        int crmItems = count - csvRows;
        Path staged = workload.writeCsv(dropDir, prefix + ".csv", prefix + "-csv-", csvRows);
        List<ArrayNode> pushes = new ArrayList<>();
        for (int from = 0; from < crmItems; from += 1000) {
            pushes.add(crmItems(workload, prefix + "-crm-", from, Math.min(crmItems, from + 1000)));
        }
        BulkBenchmark.StandInTimings timings = new BulkBenchmark.StandInTimings(count);
        standIn.listener(timings);
        int target = standIn.distinctIds() + count;
        long refused0 = standIn.refused();
        int refusedShort0 = standIn.refusedShortOfSecond().summary().count();
        long webhooksDue0 = echo == null ? 0 : echo.due();
        long webhookFailures0 = echo == null ? 0 : echo.failures();
        LatencySamples lagBefore = echo == null ? null : echo.lags();
        int lagSkip = lagBefore == null ? 0 : lagBefore.summary().count();
        if (jfr != null) {
            BulkBenchmark.jcmd(app.pid(), "JFR.start", "name=loop", "settings=profile", "filename=" + jfr);
        }
        String loadBefore = BulkBenchmark.loadAverage();
        double appCpu0 = BulkBenchmark.cpuSeconds(app.pid());
        double standInCpu0 = CpuTime.ofThisJvm();
        Map<String, Double> appThreads0 = CpuTime.byThreadName(app.pid());
        Map<String, Double> standInThreads0 = CpuTime.byThreadGroup(ProcessHandle.current().pid());
        long t0 = System.nanoTime();

        WindowgateApi.publish(staged);
        CompletableFuture<Void> crm = CompletableFuture.runAsync(() -> {
            for (ArrayNode items : pushes) {
                try {
                    api.push(items);
                } catch (Exception e) {
                    throw new IllegalStateException("CRM push failed", e);
                }
            }
        });
        BulkBenchmark.awaitSends(label, app, standIn, gcLog, target, count, t0);
        long lastSend = standIn.lastNewIdNanos();
        crm.join();
        if (echo != null) {
            long expected = webhooksDue0 + 3L * count;
            await(label + ": every status webhook answered").atMost(Duration.ofMinutes(10))
                    .pollInterval(Duration.ofMillis(100)).until(() -> echo.due() >= expected
                            && echo.answered() >= echo.due());
        }
        double appCpu = BulkBenchmark.cpuSeconds(app.pid()) - appCpu0;
        double standInCpu = CpuTime.ofThisJvm() - standInCpu0;
        Map<String, Double> appThreads1 = CpuTime.byThreadName(app.pid());
        String appThreads = CpuTime.difference(appThreads0, appThreads1, 12);
        double appJit = CpuTime.compilerSeconds(appThreads1) - CpuTime.compilerSeconds(appThreads0);
        String standInThreads = CpuTime.difference(standInThreads0,
                CpuTime.byThreadGroup(ProcessHandle.current().pid()), 8);
        String loadAfter = BulkBenchmark.loadAverage();
        if (jfr != null) {
            BulkBenchmark.jcmd(app.pid(), "JFR.stop", "name=loop");
            System.out.println("   flight recording of this loop: " + jfr);
        }
        standIn.listener(null);
        List<String> notRead = echo == null ? List.of() : awaitAllRead(api);

        long lost = 0;
        long repeated = 0;
        for (String id : ids(prefix, csvRows, crmItems)) {
            int sends = standIn.sendsOf(id);
            lost += sends == 0 ? 1 : 0;
            repeated += Math.max(0, sends - 1);
        }
        LatencySamples.Summary lag = echo == null ? LatencySamples.Summary.EMPTY : since(echo.lags(), lagSkip);
        LatencySamples.Summary answer = echo == null ? LatencySamples.Summary.EMPTY : since(echo.answers(), lagSkip);
        double steady = (count - 1) / ((lastSend - timings.firstArrival()) / 1e9);
        return new Loop(count, (lastSend - t0) / 1e9, steady, mostInOneSecond(timings), standIn.refused() - refused0,
                appCpu, standInCpu, lag, answer, echo == null ? 0 : echo.failures() - webhookFailures0, lost, repeated,
                notRead, loadBefore, loadAfter, appJit, appThreads, standInThreads,
                since(standIn.refusedShortOfSecond(), refusedShort0), perSecond(timings, t0));
    }

    /** CRM push items for rows [from, to): templates to every recipient in turn. */
    private static ArrayNode crmItems(BulkWorkload workload, String prefix, int from, int to) {
        ArrayNode items = JSON.createArrayNode();
        for (int i = from; i < to; i++) {
            ObjectNode item = items.addObject().put("id", prefix + i)
                    .put("to", BulkWorkload.recipient(i % workload.recipients()));
            item.putObject("template").put("name", BulkWorkload.TEMPLATE).put("language", BulkWorkload.LANGUAGE)
                    .putArray("params").add(Integer.toString(i)).add(BulkWorkload.SECOND_PARAM);
        }
        return items;
    }

    private static List<String> ids(String prefix, int csvRows, int crmItems) {
        List<String> ids = new ArrayList<>(csvRows + crmItems);
        for (int i = 0; i < csvRows; i++) {
            ids.add(prefix + "-csv-" + i);
        }
        for (int i = 0; i < crmItems; i++) {
            ids.add(prefix + "-crm-" + i);
        }
        return ids;
    }

    /** Waits (up to 2 minutes) until no notification is in any status but READ; returns the statuses still held. */
    private static List<String> awaitAllRead(WindowgateApi api) {
        List<String> others = List.of("SCHEDULED", "HELD", "QUEUED", "SENT", "DELIVERED", "FAILED", "REJECTED",
                "EXPIRED");
        List<String> left = new ArrayList<>(others);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            left.removeIf(status -> {
                try {
                    return api.list(status, 1).isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
            if (!left.isEmpty()) {
                await().pollDelay(Duration.ofMillis(200)).until(() -> true);
            }
        }
        return left;
    }

    /** The samples added after the first {@code skip} (the warm-up's), summarised. */
    private static LatencySamples.Summary since(LatencySamples samples, int skip) {
        return samples.after(skip).summary();
    }

    /** The most sends the stand-in accepted within any one second. */
    private static int mostInOneSecond(BulkBenchmark.StandInTimings timings) {
        long[] arrivals = timings.arrivals.sorted();
        int most = 0;
        int first = 0;
        for (int last = 0; last < arrivals.length; last++) {
            while (arrivals[last] - arrivals[first] >= 1_000_000_000L) {
                first++;
            }
            most = Math.max(most, last - first + 1);
        }
        return most;
    }

    /**
     * The sends the stand-in accepted in each whole second from {@code t0} (the drop): where a rate below the cap was
     * lost, at the start, the end or throughout.
     */
    private static String perSecond(BulkBenchmark.StandInTimings timings, long t0) {
        long[] arrivals = timings.arrivals.sorted();
        if (arrivals.length == 0) {
            return "";
        }
        int[] counts = new int[(int) ((arrivals[arrivals.length - 1] - t0) / 1_000_000_000L) + 1];
        for (long arrival : arrivals) {
            counts[(int) Math.max(0, (arrival - t0) / 1_000_000_000L)]++;
        }
        return Arrays.stream(counts).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(" "));
    }

    static void report(BenchReport r, Settings s, Loop m, GcLog.Figures gc, long peakRssKib, boolean webhooks) {
        r.line("");
        r.line("| figure | value |");
        r.line("|---|---|");
        r.line("| sends/s, drop to last accepted send | %,.0f (%.2f of %,.0f/s, the lower of cap and rate) |", m.rate(),
                m.rate() / effectiveCap(s), effectiveCap(s));
        r.line("| sends/s, first to last send | %,.0f (%.2f) |", m.steadyRate(), m.steadyRate() / effectiveCap(s));
        r.line("| most sends accepted in any one second | %d |", m.mostInOneSecond());
        r.line("| sends accepted in each second from the drop | %s |", m.perSecond());
        r.line("| sends refused with 130429 | %d |", m.refused());
        if (m.refused() > 0) {
            r.line("| by how much each missed the one-second window, p50 / p95 / p99 / max, ms | %s |",
                    m.refusedShort().percentiles());
        }
        r.line("| lost / sent twice | %d / %d |", m.lost(), m.repeated());
        if (webhooks) {
            r.line("| webhook answer time p50 / p95 / p99 / max, ms | %s |", m.answer().percentiles());
            r.line("| webhook lag (due to answered) p50 / p95 / p99 / max, ms | %s |", m.lag().percentiles());
            r.line("| webhooks answered other than 200 (sent again) | %d |", m.webhookFailures());
            r.line("| statuses other than READ at the end | %s |", m.notRead().isEmpty() ? "none" : m.notRead());
        }
        r.line("| app CPU per 1,000 messages%s | %.2f s |", webhooks ? " (sends and their webhooks)" : "",
                1000 * m.appCpu() / m.messages());
        r.line("| the same without the app's JIT compiler threads (warm-up that a longer run spreads thinner) | %.2f s |",
                1000 * (m.appCpu() - m.appJit()) / m.messages());
        r.line("| stand-in CPU per 1,000 messages (this JVM) | %.2f s |", 1000 * m.standInCpu() / m.messages());
        r.line("| app CPU by thread group | %s |", m.appThreads());
        r.line("| stand-in JVM CPU by thread group | %s |", m.standInThreads());
        r.line("| app peak heap (GC log) / peak RSS | %d MiB / %d MiB |", gc.peakBeforeMib(), peakRssKib >> 10);
        r.line("| load average before / after | %s / %s |", m.loadBefore(), m.loadAfter());
        r.line("");
        r.target("sends/s at least " + TARGET_RATIO + " of the cap", m.rate() >= TARGET_RATIO * effectiveCap(s),
                String.format("%.2f", m.rate() / effectiveCap(s)));
        r.target("no 130429", m.refused() == 0, Long.toString(m.refused()));
        r.target("nothing lost or sent twice", m.lost() + m.repeated() == 0, m.lost() + " / " + m.repeated());
        if (webhooks) {
            r.target("webhook lag p99 under 1 s", m.lag().p99() < TARGET_LAG_P99_MS, m.lag().p99() + " ms");
            r.target("every notification READ", m.notRead().isEmpty(), m.notRead().toString());
        }
        r.target("app CPU per message at most " + TARGET_APP_CPU_MS + " ms",
                1000 * m.appCpu() / m.messages() <= TARGET_APP_CPU_MS,
                String.format("%.2f ms", 1000 * m.appCpu() / m.messages()));
    }

    /** The rate the run can reach at best: the provider's cap, or the app's rate when there is none. */
    private static double effectiveCap(Settings s) {
        return s.cap() > 0 ? Math.min(s.cap(), s.rate()) : s.rate();
    }

    private LoopBenchmark() {
    }
}
