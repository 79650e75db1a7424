package io.windowgate.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The bulk benchmark: end-to-end CSV throughput of Windowgate against a bare HTTP client posting the same
 * Cloud API bodies to the same provider stand-in with the same concurrency. Run by {@code .ci/benchmark-bulk}, which
 * builds the jar; its header documents the settings. Not a test: nothing runs it during {@code mvn verify}.
 *
 * <ol>
 *   <li>Starts a Cloud API stand-in in this JVM and target/windowgate.jar in its own JVM ({@code -Xmx$HEAP}, a fresh
 *       HSQLDB file database, rate limits lifted, a GC log), loads samples/templates.json into the template registry
 *       (POST /api/templates) and opens the window of every second recipient with signed inbound-message webhooks
 *       (POST /webhooks/whatsapp), as WhatsApp would.</li>
 *   <li>Warm-up: a drop of WARMUP rows (its rate is reported as the first file after start), then WARMUP bare sends.</li>
 *   <li>Windowgate: a CSV of ROWS rows, half session texts (open windows) and half templates (closed windows), written
 *       to disk and renamed into drop.dir. Measured from the rename until the stand-in has seen the last new id; then
 *       GET /api/files/{name} must say DONE with every row sent.</li>
 *   <li>Bare client: the JDK HttpClient posts the ROWS bodies Windowgate would send for those rows (same shapes, same
 *       headers) from CONCURRENCY threads, one request at a time each. The app runs with dispatch.concurrency =
 *       CONCURRENCY: its CSV path stores drop.batch-size rows at a time and sends them on that many threads.</li>
 *   <li>Hand-written pipeline ({@link HandWrittenPipeline}): the same rows through Windowgate's per-row store work
 *       and the same HTTP call, in plain Java in this JVM on a database of its own (a WARMUP run first): what any
 *       route design that keeps that store work could reach.</li>
 *   <li>Checks that every id of both runs reached the stand-in, prints the table, writes it to the report file and
 *       exits 0 when Windowgate reached at least 0.6 of the bare client's rows/s, 1 when not, 3 when the run failed.</li>
 * </ol>
 *
 * <p>Latency figures, all taken in this JVM by the stand-in ({@link ProviderStandIn.Listener}) or the bare client:
 * <ul>
 *   <li><b>interval between sends at the stand-in</b>: time from one request's arrival to the next one's. With one
 *       request in flight at a time this is the sender's whole cost per message, HTTP round trip included; its mean is
 *       1 / throughput.</li>
 *   <li><b>stand-in handling</b>: from the handler taking the request (headers read) until its answer is written: the
 *       provider's own time, the same for both senders.</li>
 *   <li><b>client round trip</b> (bare client only): from {@code HttpClient.send} to the answer read.</li>
 * </ul>
 * Memory: peak heap use and the live heap after each collection from the app's GC log ({@link GcLog}); peak RSS from
 * VmHWM of /proc/PID/status, reset at the start of the measured drop (writing 5 to /proc/PID/clear_refs). CPU: the
 * app's user + system time from /proc.
 */
public final class BulkBenchmark {

    static final double TARGET_RATIO = 0.6;
    static final String API_TOKEN = "bench-api-token";
    /** A drop fails when no new id reaches the stand-in for this long. */
    static final Duration STALL = Duration.ofSeconds(120);
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);
    private static final Pattern CALLBACK_ID = Pattern.compile("\"biz_opaque_callback_data\":\"([^\"]*)\"");

    /** The run's settings, from the environment (see .ci/benchmark-bulk). */
    record Settings(int rows, int warmup, int recipients, String heap, int concurrency, long delayMs, Path jfr,
                    String jfrSettings, List<String> javaOpts, List<String> appProperties, String handDatabase,
                    long receiverDelayMs) {

        static Settings fromEnvironment() {
            Map<String, String> env = System.getenv();
            String jfr = env.getOrDefault("JFR", "").trim();
            String opts = env.getOrDefault("JAVA_OPTS", "").trim();
            String properties = env.getOrDefault("APP_PROPERTIES", "").trim();
            return new Settings(Integer.parseInt(env.getOrDefault("ROWS", "100000")),
                    Integer.parseInt(env.getOrDefault("WARMUP", "10000")),
                    Integer.parseInt(env.getOrDefault("RECIPIENTS", "10000")),
                    env.getOrDefault("HEAP", "256m"),
                    Integer.parseInt(env.getOrDefault("CONCURRENCY", "4")),
                    Long.parseLong(env.getOrDefault("STANDIN_DELAY_MS", "0")),
                    jfr.isEmpty() ? null : Path.of(jfr).toAbsolutePath(),
                    env.getOrDefault("JFR_SETTINGS", "profile"),
                    opts.isEmpty() ? List.of() : Arrays.asList(opts.split("\\s+")),
                    properties.isEmpty() ? List.of() : Arrays.asList(properties.split("\\s+")),
                    handDatabase(env.getOrDefault("HAND_DB", "hsqldb")),
                    Long.parseLong(env.getOrDefault("RECEIVER_DELAY_MS", "500")));
        }

        private static String handDatabase(String value) {
            if (!value.equals("hsqldb") && !value.equals("postgresql")) {
                throw new IllegalArgumentException("HAND_DB must be hsqldb or postgresql, was " + value);
            }
            return value;
        }

        /**
         * The app's configuration: the IT defaults with APP_PROPERTIES on top ({data} = the work dir, {provider} = the
         * stand-in's URL, which answers any POST 200: callbacks.url={provider} measures the cost of events;
         * {receiver} = a receiver that answers each event after RECEIVER_DELAY_MS: callbacks.url={receiver} shows
         * what a slow receiver does to the sending).
         */
        Map<String, String> appConfig(Path data, String providerUrl, String receiverUrl) {
            Map<String, String> config = WindowgateProcess.cloudApiProperties(data, providerUrl, API_TOKEN);
            // the CSV path sends dispatch.concurrency rows at a time: the same as the bare client's threads
            config.put("dispatch.concurrency", Integer.toString(concurrency));
            applyAppProperties(config, appProperties.stream().map(p -> p.replace("{receiver}", receiverUrl)).toList(),
                    data, providerUrl);
            return config;
        }

        /**
         * The app's JVM options: the GC log; an OutOfMemoryError ends the process (so that a heap too small for the
         * file fails the run at once instead of limping on); with JFR, deeper stacks (Camel's are deep) and a
         * one-second recording at start, so that Flight Recorder instruments the JDK's I/O classes then, not when the
         * measured drop starts (that would deoptimise them, and the JIT would spend the drop recompiling); then
         * JAVA_OPTS.
         */
        List<String> appJvmOptions(GcLog gcLog) {
            List<String> options = new ArrayList<>();
            options.add(gcLog.jvmOption());
            options.add("-XX:+ExitOnOutOfMemoryError");
            if (jfr != null) {
                options.add("-XX:FlightRecorderOptions=stackdepth=256");
                options.add("-XX:StartFlightRecording=name=startup,settings=default,duration=1s,"
                        + "filename=jfr-startup.jfr");
            }
            options.addAll(javaOpts);
            return options;
        }
    }

    /** What the stand-in saw while one phase ran: arrival instants, handling times, and one body of each kind. */
    static final class StandInTimings implements ProviderStandIn.Listener {
        final LatencySamples arrivals;
        final LatencySamples handling;
        volatile String textSample;
        volatile String templateSample;

        StandInTimings(int expected) {
            arrivals = new LatencySamples(expected);
            handling = new LatencySamples(expected);
        }

        @Override
        public void handled(String body, long arrivedNanos, long answeredNanos) {
            arrivals.add(arrivedNanos);
            handling.add(answeredNanos - arrivedNanos);
            if (textSample == null && body.contains("\"type\":\"text\"")) {
                textSample = body;
            } else if (templateSample == null && body.contains("\"type\":\"template\"")) {
                templateSample = body;
            }
        }

        /** System.nanoTime() when the first request of the phase arrived. */
        long firstArrival() {
            return arrivals.min();
        }

        /** The time from each request's arrival to the next one's. */
        LatencySamples.Summary intervals() {
            return arrivals.gaps().summary();
        }
    }

    /** The figures of one measured phase (a Windowgate drop or a bare client run). */
    record Phase(String label, int rows, long startNanos, long lastSendNanos, StandInTimings standIn,
                 LatencySamples.Summary roundTrip, double appCpuSeconds, double benchCpuSeconds, GcLog.Figures gc,
                 long peakRssKib, String peakRssNote, List<String> memorySeries, Double doneSeconds, int clientRetries,
                 String loadBefore, String loadAfter, String appThreads) {

        double seconds() {
            return (lastSendNanos - startNanos) / 1e9;
        }

        double rate() {
            return rows / seconds();
        }

        /** Seconds from the start (rename, or first request) to the first send at the stand-in. */
        double firstSendSeconds() {
            return (standIn.firstArrival() - startNanos) / 1e9;
        }

        /** Rows/s from the first send to the last (leaves out the file pick-up and the check pass). */
        double sendPhaseRate() {
            return (rows - 1) / ((lastSendNanos - standIn.firstArrival()) / 1e9);
        }
    }

    public static void main(String[] args) {
        BenchReport.exitWith(() -> benchmark(args));
    }

    /** Runs the benchmark; returns the exit status (0 = ratio reached, 1 = below, 2 = usage). */
    static int benchmark(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: BulkBenchmark <windowgate.jar> [report file]  (settings: see .ci/benchmark-bulk)");
            return 2;
        }
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path report = Path.of(args.length > 1 ? args[1] : "target/benchmark-bulk.txt").toAbsolutePath();
        Settings s = Settings.fromEnvironment();
        BulkWorkload workload = new BulkWorkload(s.recipients());
        Path data = Files.createTempDirectory("windowgate-bulk-");
        Path log = freshFile("benchmark-bulk.log");
        GcLog gcLog = new GcLog(freshFile("benchmark-bulk-gc.log"));
        System.out.printf("== bulk benchmark: %,d rows (+ %,d warm-up), %,d recipients, -Xmx%s, concurrency %d, "
                        + "stand-in delay %d ms; app log %s, work dir %s%n", s.rows(), s.warmup(), s.recipients(),
                s.heap(), s.concurrency(), s.delayMs(), log, data);

        try (ProviderStandIn standIn = new ProviderStandIn(8, s.delayMs());
             SlowEventReceiver receiver = new SlowEventReceiver(s.receiverDelayMs())) {
            Map<String, String> config = s.appConfig(data, standIn.messagesUrl(), receiver.url());
            WindowgateProcess app = new WindowgateProcess(jar, data.resolve("work"), log, config,
                    s.appJvmOptions(gcLog)).maxHeap(s.heap());
            WindowgateApi api = new WindowgateApi(Integer.parseInt(config.get("camel.server.port")), API_TOKEN);
            Path dropDir = Path.of(config.get("drop.dir"));
            String accessToken = config.get("whatsapp.access-token");
            try {
                long t = System.nanoTime();
                app.start().waitHealthy(Duration.ofSeconds(120));
                System.out.printf("   app started (pid %d) in %.1f s%n", app.pid(), secondsSince(t));
                prepare(api, workload, config.get("whatsapp.app-secret"));

                Phase coldDrop = drop("warm-up drop", app, api, standIn, workload, dropDir, gcLog, "warmup.csv",
                        "warm-", s.warmup(), null, null);
                Phase bareWarmup = bare("bare warm-up", standIn, workload, "bare-warm-", s.warmup(), s.concurrency(),
                        accessToken);
                System.out.printf("   bare client warm-up: %,.0f rows/s%n", bareWarmup.rate());

                Phase windowgate = drop("measured drop", app, api, standIn, workload, dropDir, gcLog, "bulk.csv",
                        "bulk-", s.rows(), s.jfr(), s.jfrSettings());
                long eventsAfterDrop = receiver.received();
                Phase bare = bare("bare client", standIn, workload, "bare-", s.rows(), s.concurrency(), accessToken);
                System.out.printf("   bare client: %,d rows in %.2f s = %,.0f rows/s%n", s.rows(), bare.seconds(),
                        bare.rate());
                HandWritten hand = handWritten(s, workload, data, config, standIn);
                System.out.printf("   hand-written pipeline on %s: %,d rows in %.2f s = %,.0f rows/s%n", hand.database(),
                        s.rows(), hand.phase().seconds(), hand.phase().rate());

                List<String> problems = new ArrayList<>();
                long[] lostAndRepeated = checkEverySent(standIn, "bulk-", s.rows(), "bare-", s.rows());
                if (lostAndRepeated[0] + lostAndRepeated[2] > 0) {
                    problems.add(lostAndRepeated[0] + lostAndRepeated[2] + " ids never reached the stand-in");
                }
                String shapes = compareBodies(workload, windowgate.standIn(), problems);
                long lifetimePeakRss = app.peakRssKib();
                GcLog.Figures lifetimeGc = gcLog.all();

                String table = report(s, workload, coldDrop, windowgate, bare, hand, lostAndRepeated, shapes,
                        lifetimePeakRss, lifetimeGc, problems);
                if (receiver.received() > 0) {
                    table += String.format("%nevents at the receiver that answers after %d ms (callbacks.url={receiver}): "
                            + "%,d when the measured drop was sent, %,d at the end", receiver.delayMs(), eventsAfterDrop,
                            receiver.received());
                }
                System.out.println();
                System.out.println(table);
                Files.createDirectories(report.getParent());
                Files.writeString(report, table + "\n", StandardCharsets.UTF_8);
                System.out.println("(written to " + report + ")");
                if (!problems.isEmpty()) {
                    return 3;
                }
                return windowgate.rate() >= TARGET_RATIO * bare.rate() ? 0 : 1;
            } catch (Exception | AssertionError e) {
                System.out.println("----- failed; last 60 lines of " + log + "\n" + app.logTail(60));
                throw e;
            } finally {
                app.stop();
                deleteTree(data);
            }
        }
    }

    /** Loads the sample template registry and opens the window of every second recipient, through the public API. */
    static void prepare(WindowgateApi api, BulkWorkload workload, String appSecret) throws Exception {
        try (InputStream templates = BulkBenchmark.class.getResourceAsStream("/samples/templates.json")) {
            if (templates == null) {
                throw new IllegalStateException("samples/templates.json is not on the classpath (run test-compile)");
            }
            api.loadTemplates(templates.readAllBytes());
        }
        long t = System.nanoTime();
        List<byte[]> webhooks = workload.openWindowWebhooks(250, Instant.now().getEpochSecond());
        for (byte[] body : webhooks) {
            api.webhook(body, appSecret);
        }
        // a webhook is answered once stored and applied after: the last customer's window opens last
        String last = BulkWorkload.recipient(workload.lastOpenRecipient());
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> api.windowOpen(last));
        System.out.printf("   template registry loaded; %,d windows opened by %d signed webhooks in %.1f s%n",
                workload.openRecipients(), webhooks.size(), secondsSince(t));
    }

    /**
     * Drops {@code count} rows as {@code name}: written under a .tmp name, renamed into drop.dir, measured until the
     * stand-in has seen every id, then until GET /api/files says DONE. With {@code jfr}, a flight recording of the
     * app covers exactly this drop.
     */
    static Phase drop(String label, WindowgateProcess app, WindowgateApi api, ProviderStandIn standIn,
                      BulkWorkload workload, Path dropDir, GcLog gcLog, String name, String prefix, int count,
                      Path jfr, String jfrSettings) throws Exception {
        long t = System.nanoTime();
        Path staged = workload.writeCsv(dropDir, name, prefix, count);
        System.out.printf("== %s: %,d rows (%,d session, %,d template), %,d MiB, written in %.1f s%n", label, count,
                workload.sessionRows(count), count - workload.sessionRows(count), Files.size(staged) >> 20,
                secondsSince(t));
        StandInTimings timings = new StandInTimings(count);
        standIn.listener(timings);
        String rssNote = resetPeakRss(app.pid()) ? "during the drop (VmHWM reset at its start)"
                : "since the app started (VmHWM could not be reset)";
        gcLog.mark();
        if (jfr != null) {
            jcmd(app.pid(), "JFR.start", "name=bulk", "settings=" + jfrSettings, "filename=" + jfr);
        }
        int target = standIn.distinctIds() + count;
        String loadBefore = loadAverage();
        Map<String, Double> appThreads0 = CpuTime.byThreadName(app.pid());
        double appCpu0 = cpuSeconds(app.pid());
        double benchCpu0 = cpuSeconds(ProcessHandle.current().pid());

        long t0 = System.nanoTime();
        WindowgateApi.publish(staged);
        List<String> memory = awaitSends(label, app, standIn, gcLog, target, count, t0);
        long lastSend = standIn.lastNewIdNanos();
        JsonNode done = awaitFileDone(api, name);
        double doneSeconds = secondsSince(t0);
        double appCpu = cpuSeconds(app.pid()) - appCpu0;
        double benchCpu = cpuSeconds(ProcessHandle.current().pid()) - benchCpu0;
        String appThreads = CpuTime.difference(appThreads0, CpuTime.byThreadName(app.pid()), 12);
        String loadAfter = loadAverage();
        if (jfr != null) {
            jcmd(app.pid(), "JFR.stop", "name=bulk");
            System.out.println("   flight recording of this drop: " + jfr);
        }
        standIn.listener(null);
        awaitMovedToDone(dropDir, name);
        checkFileFigures(name, done, count);

        Phase phase = new Phase(label, count, t0, lastSend, timings, LatencySamples.Summary.EMPTY, appCpu, benchCpu,
                gcLog.sinceMark(), app.peakRssKib(), rssNote, memory, doneSeconds, 0, loadBefore, loadAfter,
                appThreads);
        System.out.printf("   %,d rows in %.2f s = %,.0f rows/s end to end (first send after %.2f s; DONE in "
                        + "/api/files after %.2f s); app CPU %.1f s%n", count, phase.seconds(), phase.rate(),
                phase.firstSendSeconds(), doneSeconds, appCpu);
        return phase;
    }

    /** What a sender in this JVM reports of its run: its round trips and how often it re-opened a connection. */
    record SenderRun(LatencySamples.Summary roundTrip, int clientRetries) {
    }

    /** The sends of a phase that runs in this JVM. */
    @FunctionalInterface
    interface Sender {
        SenderRun send() throws Exception;
    }

    /**
     * Measures a sender that runs in this JVM and sends {@code count} new ids: from its start until the stand-in has
     * seen the last new id; the CPU is this JVM's (the sender and the stand-in).
     */
    static Phase inThisJvm(String label, ProviderStandIn standIn, int count, Sender sender) throws Exception {
        StandInTimings timings = new StandInTimings(count);
        standIn.listener(timings);
        int target = standIn.distinctIds() + count;
        String loadBefore = loadAverage();
        double benchCpu0 = cpuSeconds(ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        SenderRun run = sender.send();
        if (standIn.distinctIds() < target) {
            throw new IllegalStateException("the stand-in saw " + (standIn.distinctIds() - target + count) + " of "
                    + count + " ids of the " + label);
        }
        long lastSend = standIn.lastNewIdNanos();
        double benchCpu = cpuSeconds(ProcessHandle.current().pid()) - benchCpu0;
        standIn.listener(null);
        return new Phase(label, count, t0, lastSend, timings, run.roundTrip(), Double.NaN, benchCpu, null, -1, null,
                List.of(), null, run.clientRetries(), loadBefore, loadAverage(), "");
    }

    /**
     * Posts the bodies of rows [0, count) under ids {@code prefix + i} to the stand-in from {@code concurrency}
     * threads, each sending one request at a time; measured from the first request to the last new id seen.
     */
    static Phase bare(String label, ProviderStandIn standIn, BulkWorkload workload, String prefix, int count,
                      int concurrency, String accessToken) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        URI uri = URI.create(standIn.messagesUrl());
        return inThisJvm(label, standIn, count, () -> {
            LatencySamples roundTrips = new LatencySamples(count);
            AtomicInteger next = new AtomicInteger();
            AtomicInteger retries = new AtomicInteger();
            ExecutorService senders = Executors.newFixedThreadPool(concurrency, r -> {
                Thread thread = new Thread(r, "bare-client");
                thread.setDaemon(true);
                return thread;
            });
            List<Future<?>> done = new ArrayList<>();
            for (int thread = 0; thread < concurrency; thread++) {
                done.add(senders.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        HttpRequest post = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                                .header("Authorization", "Bearer " + accessToken)
                                .POST(HttpRequest.BodyPublishers.ofString(workload.cloudApiBody(prefix + i, i)))
                                .build();
                        long sent = System.nanoTime();
                        HttpResponse<String> answer;
                        try {
                            answer = client.send(post, HttpResponse.BodyHandlers.ofString());
                        } catch (IOException e) {
                            // a kept-alive connection the server had just closed: send once more, as a pooling
                            // client does
                            retries.incrementAndGet();
                            sent = System.nanoTime();
                            answer = client.send(post, HttpResponse.BodyHandlers.ofString());
                        }
                        roundTrips.add(System.nanoTime() - sent);
                        if (answer.statusCode() != 200) {
                            throw new IllegalStateException("stand-in answered " + answer.statusCode());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            senders.shutdown();
            return new SenderRun(roundTrips.summary(), retries.get());
        });
    }

    /** The options of the app's HSQLDB URL (from the first ';'), which the hand-written pipeline's database takes. */
    static String hsqldbUrlOptions(String dbUrl) {
        if (!dbUrl.startsWith("jdbc:hsqldb:")) {
            throw new IllegalArgumentException("the hand-written pipeline runs on HSQLDB; db.url is " + dbUrl);
        }
        int semicolon = dbUrl.indexOf(';');
        return semicolon < 0 ? "" : dbUrl.substring(semicolon);
    }

    /**
     * The hand-written pipeline's measured run, and the CPU seconds of the database server's processes meanwhile
     * (PostgreSQL; 0 for HSQLDB, which runs in this JVM and is in the phase's figure).
     */
    record HandWritten(Phase phase, String database, double serverCpuSeconds) {
    }

    /**
     * Runs the hand-written pipeline on a database of its own: an HSQLDB file database with the app's URL options, or
     * with HAND_DB=postgresql an embedded PostgreSQL 14 with fsync and synchronous_commit on, as ExpiryBenchmark
     * starts it. A WARMUP run first, then the measured ROWS; chunks of the app's drop.batch-size.
     */
    static HandWritten handWritten(Settings s, BulkWorkload workload, Path data, Map<String, String> config,
                                   ProviderStandIn standIn) throws Exception {
        int chunk = Integer.parseInt(config.getOrDefault("drop.batch-size", "100"));
        String accessToken = config.get("whatsapp.access-token");
        if (s.handDatabase().equals("postgresql")) {
            Path dataDirectory = data.resolve("hand-written-postgresql");
            try (EmbeddedPostgres postgres = ExpiryBenchmark.durablePostgres(dataDirectory);
                 HandWrittenPipeline pipeline = new HandWrittenPipeline(workload, "jdbc:postgresql://localhost:"
                         + postgres.getPort() + "/postgres", "postgres", "", s.concurrency(), chunk)) {
                handWrittenRun("hand-written warm-up", standIn, pipeline, "hand-warm-", s.warmup(), accessToken);
                // the postmaster runs detached from this JVM: its CPU is found by its data directory
                double server0 = CpuTime.ofProcessTree(dataDirectory.toString());
                Phase phase = handWrittenRun("hand-written pipeline", standIn, pipeline, "hand-", s.rows(),
                        accessToken);
                return new HandWritten(phase, "PostgreSQL", CpuTime.ofProcessTree(dataDirectory.toString()) - server0);
            }
        }
        try (HandWrittenPipeline pipeline = new HandWrittenPipeline(workload, "jdbc:hsqldb:file:"
                + data.resolve("hand-written").toAbsolutePath() + "/db" + hsqldbUrlOptions(config.get("db.url")), "SA",
                "", s.concurrency(), chunk)) {
            handWrittenRun("hand-written warm-up", standIn, pipeline, "hand-warm-", s.warmup(), accessToken);
            return new HandWritten(handWrittenRun("hand-written pipeline", standIn, pipeline, "hand-", s.rows(),
                    accessToken), "HSQLDB", 0);
        }
    }

    /** Runs rows [0, count) through the hand-written pipeline under ids {@code prefix + i}, measured as the bare client. */
    static Phase handWrittenRun(String label, ProviderStandIn standIn, HandWrittenPipeline pipeline, String prefix,
                                int count, String accessToken) throws Exception {
        return inThisJvm(label, standIn, count, () -> {
            pipeline.run(prefix, count, standIn.messagesUrl(), accessToken);
            return new SenderRun(LatencySamples.Summary.EMPTY, 0);
        });
    }

    /**
     * Waits until the stand-in has seen {@code target} distinct ids, printing progress every 30 s and noting RSS and
     * live heap at each tenth of the rows; fails when the app dies, when no new id arrives for {@link #STALL}, or when
     * the app spent more than half of the last 30 s in GC pauses, full collections among them (its heap is too small
     * for the file: it would crawl on for hours before an OutOfMemoryError).
     */
    static List<String> awaitSends(String label, WindowgateProcess app, ProviderStandIn standIn, GcLog gcLog,
                                   int target, int count, long t0) throws Exception {
        int base = target - count;
        List<String> memory = new ArrayList<>();
        int nextTenth = 1;
        int seen = standIn.distinctIds();
        long lastChange = System.nanoTime();
        long nextProgress = lastChange + PROGRESS_EVERY.toNanos();
        int seenAtLastProgress = seen;
        GcLog.Figures gcAtLastProgress = gcLog.sinceMark();
        while (seen < target) {
            Thread.sleep(20);
            int now = standIn.distinctIds();
            long at = System.nanoTime();
            if (now != seen) {
                seen = now;
                lastChange = at;
            } else if (at - lastChange > STALL.toNanos()) {
                throw new IllegalStateException(label + ": no new send for " + STALL.toSeconds() + " s; the stand-in "
                        + "saw " + (seen - base) + " of " + count + " ids");
            }
            if (!app.isAlive()) {
                GcLog.Figures gc = gcLog.sinceMark();
                throw new IllegalStateException(String.format("%s: the app exited after %,d of %,d rows were sent, "
                                + "%.0f s into the drop (live heap after its last GC %d MiB, %d full GCs; an "
                                + "OutOfMemoryError ends it, see the log's last lines); log %s", label, seen - base,
                        count, (at - t0) / 1e9, gc.lastAfterMib(), gc.fullPauses(), app.log()));
            }
            while (nextTenth <= 10 && seen - base >= (long) count * nextTenth / 10) {
                memory.add(String.format("%d%%: RSS %d MiB, live heap %d MiB", nextTenth * 10,
                        rssKib(app.pid()) >> 10, gcLog.sinceMark().lastAfterMib()));
                nextTenth++;
            }
            if (at - nextProgress > 0) {
                System.out.printf("   %s  %,d of %,d sent, %,.0f rows/s over the last %d s, app RSS %d MiB, live "
                                + "heap after the last GC %d MiB, load %s%n", LocalTime.now().truncatedTo(
                                        ChronoUnit.SECONDS), seen - base, count,
                        (seen - seenAtLastProgress) / (PROGRESS_EVERY.toNanos() / 1e9), PROGRESS_EVERY.toSeconds(),
                        rssKib(app.pid()) >> 10, gcLog.sinceMark().lastAfterMib(), loadAverage());
                GcLog.Figures gc = gcLog.sinceMark();
                double pausedShare = (gc.pauseMillis() - gcAtLastProgress.pauseMillis()) / PROGRESS_EVERY.toMillis();
                if (pausedShare > 0.5 && gc.fullPauses() > gcAtLastProgress.fullPauses()) {
                    throw new IllegalStateException(String.format("%s: heap exhausted after %,d of %,d rows: the app "
                                    + "spent %.0f %% of the last %d s in GC pauses (%d full GCs), live heap %d MiB; see %s",
                            label, seen - base, count, 100 * pausedShare, PROGRESS_EVERY.toSeconds(),
                            gc.fullPauses() - gcAtLastProgress.fullPauses(), gc.lastAfterMib(), app.log()));
                }
                gcAtLastProgress = gc;
                seenAtLastProgress = seen;
                nextProgress = at + PROGRESS_EVERY.toNanos();
            }
        }
        return memory;
    }

    /** Polls GET /api/files/{name} until its run is DONE (fails on ABORTED or after 2 minutes); returns the figures. */
    static JsonNode awaitFileDone(WindowgateApi api, String name) {
        return await(name + " DONE in /api/files").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    JsonNode run = api.fileProgress(name);
                    if (run != null && "ABORTED".equals(run.path("status").asText())) {
                        throw new IllegalStateException(name + " is not DONE in /api/files: " + run);
                    }
                    return run;
                }, run -> run != null && "DONE".equals(run.path("status").asText()));
    }

    /** Every row must have been read and sent, none held, rejected, failed, duplicated or left queued. */
    static void checkFileFigures(String name, JsonNode run, int count) {
        boolean ok = run.path("rowsRead").asLong() == count && run.path("sent").asLong() == count;
        for (String field : List.of("held", "scheduled", "failed", "queued", "rejected", "duplicates")) {
            ok &= run.path(field).asLong() == 0;
        }
        if (!ok) {
            throw new IllegalStateException(name + ": expected all " + count + " rows sent, /api/files says " + run);
        }
    }

    /** Waits until the app has moved a dropped file to .done/ (its reading thread has finished with it). */
    static void awaitMovedToDone(Path dropDir, String name) {
        await(name + " moved to .done/").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> Files.exists(dropDir.resolve(".done").resolve(name)));
    }

    /** {lost ids, then repeated sends} of each id range: {lostA, repeatedA, lostB, repeatedB}. */
    static long[] checkEverySent(ProviderStandIn standIn, String prefixA, int countA, String prefixB, int countB) {
        long[] result = new long[4];
        String[] prefixes = {prefixA, prefixB};
        int[] counts = {countA, countB};
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < counts[r]; i++) {
                int sends = standIn.sendsOf(prefixes[r] + i);
                result[2 * r] += sends == 0 ? 1 : 0;
                result[2 * r + 1] += Math.max(0, sends - 1);
            }
        }
        return result;
    }

    /**
     * Compares a session and a template body Windowgate sent with what {@link BulkWorkload#cloudApiBody} builds for the
     * same row: the bare client must post the same bodies. Returns a line for the report.
     */
    static String compareBodies(BulkWorkload workload, StandInTimings windowgate, List<String> problems) {
        List<String> differ = new ArrayList<>();
        for (String sent : new String[] {windowgate.textSample, windowgate.templateSample}) {
            if (sent == null) {
                differ.add("(no body of one kind was seen)");
                continue;
            }
            Matcher id = CALLBACK_ID.matcher(sent);
            if (!id.find()) {
                differ.add("no biz_opaque_callback_data in " + sent);
                continue;
            }
            int row = Integer.parseInt(id.group(1).substring(id.group(1).lastIndexOf('-') + 1));
            String bare = workload.cloudApiBody(id.group(1), row);
            if (!bare.equals(sent)) {
                differ.add("Windowgate " + sent + "\n    bare       " + bare);
            }
        }
        if (differ.isEmpty()) {
            return "identical (one session and one template body compared byte for byte)";
        }
        System.out.println("   the bare client's bodies differ from Windowgate's:\n    " + String.join("\n    ", differ));
        return "DIFFERENT, see the console output";
    }

    static String report(Settings s, BulkWorkload workload, Phase cold, Phase wg, Phase bare, HandWritten handWritten,
                         long[] lostAndRepeated,
                         String shapes, long lifetimePeakRssKib, GcLog.Figures lifetimeGc, List<String> problems) {
        double ratio = wg.rate() / bare.rate();
        List<String> out = new ArrayList<>();
        out.add(String.format("Bulk benchmark, %s: %,d rows (%,d session texts, %,d templates) to %,d "
                        + "recipients (%,d with an open window), after a %,d-row warm-up drop", Instant.now()
                        .truncatedTo(ChronoUnit.SECONDS), s.rows(), workload.sessionRows(s.rows()),
                s.rows() - workload.sessionRows(s.rows()), s.recipients(), workload.openRecipients(), s.warmup()));
        out.add(String.format("app: -Xmx%s, HSQLDB file database, rate limits lifted%s; stand-in delay %d ms; %d cores;"
                        + " load average (1/5/15 min) %s before the drop, %s after the bare run", s.heap(),
                (s.javaOpts().isEmpty() ? "" : ", JAVA_OPTS " + String.join(" ", s.javaOpts()))
                        + (s.appProperties().isEmpty() ? "" : ", APP_PROPERTIES " + String.join(" ",
                        s.appProperties())), s.delayMs(),
                Runtime.getRuntime().availableProcessors(), wg.loadBefore(), bare.loadAfter()));
        out.add(String.format("concurrency: Windowgate's CSV path sends dispatch.concurrency=%d rows at a time (the "
                + "outbox's threads); bare client: %d thread(s), JDK HttpClient, HTTP/1.1 keep-alive", s.concurrency(),
                s.concurrency()));
        if (s.jfr() != null) {
            out.add("JFR (" + s.jfrSettings() + ") recorded the measured drop: its figures include the recording's "
                    + "overhead; " + s.jfr());
        }
        out.add("");
        out.add(line("", "Windowgate", "bare client", "ratio"));
        out.add(line("rows/s, end to end", String.format("%,.0f", wg.rate()), String.format("%,.0f", bare.rate()),
                String.format("%.2f", ratio)));
        out.add(line("  seconds (rename into drop.dir | first request -> last id)", String.format("%.2f", wg.seconds()),
                String.format("%.2f", bare.seconds()), ""));
        out.add(line("  seconds until DONE in GET /api/files", String.format("%.2f", wg.doneSeconds()), "", ""));
        out.add(line("  seconds until the first send (pick-up + check pass)", String.format("%.2f",
                wg.firstSendSeconds()), String.format("%.3f", bare.firstSendSeconds()), ""));
        out.add(line("rows/s, first send to last send", String.format("%,.0f", wg.sendPhaseRate()),
                String.format("%,.0f", bare.sendPhaseRate()), String.format("%.2f",
                        wg.sendPhaseRate() / bare.sendPhaseRate())));
        out.add(line("interval between sends at the stand-in, ms", "", "", ""));
        out.add(line("  p50 / p95 / p99 / max", wg.standIn().intervals().percentiles(),
                bare.standIn().intervals().percentiles(), ""));
        out.add(line("stand-in handling (headers read -> answer written), ms", "", "", ""));
        out.add(line("  p50 / p95 / p99 / max", wg.standIn().handling.summary().percentiles(),
                bare.standIn().handling.summary().percentiles(), ""));
        out.add(line("client round trip (send -> answer read), ms", "", "", ""));
        out.add(line("  p50 / p95 / p99 / max", "(not visible)", bare.roundTrip().percentiles(), ""));
        out.add(line("CPU seconds per 1,000 rows: app", String.format("%.2f", wg.appCpuSeconds() * 1000 / wg.rows()),
                "", ""));
        out.add(line("CPU seconds per 1,000 rows: benchmark JVM (stand-in [+ client])",
                String.format("%.2f", wg.benchCpuSeconds() * 1000 / wg.rows()),
                String.format("%.2f", bare.benchCpuSeconds() * 1000 / bare.rows()), ""));
        out.add(line("app CPU, cores busy on average", String.format("%.2f", wg.appCpuSeconds() / wg.doneSeconds()),
                "", ""));
        GcLog.Figures gc = wg.gc();
        out.add(line("peak heap use, MiB (GC log: most in use before a GC)", Long.toString(gc.peakBeforeMib()), "", ""));
        out.add(line("live heap after GC, MiB: highest / at the end", gc.maxAfterMib() + " / " + gc.lastAfterMib(), "",
                ""));
        out.add(line("GC pauses (full) / total pause ms", String.format("%d (%d) / %.0f", gc.pauses(), gc.fullPauses(),
                gc.pauseMillis()), "", ""));
        out.add(line("peak RSS, MiB, " + wg.peakRssNote(), Long.toString(wg.peakRssKib() >> 10), "", ""));
        out.add(line("ids lost / sends repeated", lostAndRepeated[0] + " / " + lostAndRepeated[1],
                lostAndRepeated[2] + " / " + lostAndRepeated[3], ""));
        out.add(line("bare client: connections re-opened after a reset", "", Integer.toString(bare.clientRetries()),
                ""));
        out.add("");
        out.add("memory over the measured drop (at each tenth of the rows sent): " + String.join("; ",
                wg.memorySeries()));
        out.add("app CPU over the measured drop by thread group (jcmd Thread.print, names without digits; threads that "
                + "ended meanwhile are missing): "
                + (wg.appThreads().isEmpty() ? "(no thread dump)" : wg.appThreads()));
        out.add(String.format("whole app run: peak RSS %d MiB (VmHWM), peak heap use %d MiB, %d GC pauses (%d full)",
                lifetimePeakRssKib >> 10, lifetimeGc.peakBeforeMib(), lifetimeGc.pauses(), lifetimeGc.fullPauses()));
        out.add(String.format("first drop after start (%,d rows, cold JIT): %,.0f rows/s end to end", cold.rows(),
                cold.rate()));
        out.add("bodies posted by the bare client vs Windowgate: " + shapes);
        Phase hand = handWritten.phase();
        boolean inJvm = handWritten.database().equals("HSQLDB");
        out.add(String.format("hand-written pipeline on %s (HandWrittenPipeline: Windowgate's per-row store work and the "
                        + "HTTP call in plain Java, no Camel, no CSV parsing or validation; same concurrency): %,.0f "
                        + "rows/s = %.2f of the bare client; %.2f CPU-s per 1,000 rows in the benchmark JVM (the "
                        + "pipeline%s and the stand-in)%s against %.2f for the bare client and the stand-in",
                handWritten.database(), hand.rate(), hand.rate() / bare.rate(),
                hand.benchCpuSeconds() * 1000 / hand.rows(), inJvm ? ", its HSQLDB" : "",
                inJvm ? "" : String.format(" and %.2f in PostgreSQL's processes",
                        handWritten.serverCpuSeconds() * 1000 / hand.rows()),
                bare.benchCpuSeconds() * 1000 / bare.rows()));
        out.add("");
        if (problems.isEmpty()) {
            out.add(String.format("verdict: %s (Windowgate / bare client = %.2f; the target is %.1f)",
                    ratio >= TARGET_RATIO ? "PASS" : "FAIL", ratio, TARGET_RATIO));
        } else {
            out.add("verdict: RUN FAILED: " + String.join("; ", problems));
        }
        return String.join("\n", out);
    }

    private static String line(String name, String windowgate, String bare, String ratio) {
        return String.format("%-58s %22s %22s %6s", name, windowgate, bare, ratio);
    }

    /** APP_PROPERTIES on top of the configuration: {data} is the work dir, {provider} the stand-in's URL. */
    static void applyAppProperties(Map<String, String> config, List<String> appProperties, Path data,
            String providerUrl) {
        for (String property : appProperties) {
            int eq = property.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("APP_PROPERTIES entries are key=value, not " + property);
            }
            config.put(property.substring(0, eq), property.substring(eq + 1).replace("{data}", data.toString())
                    .replace("{provider}", providerUrl));
        }
    }

    /** target/{@code name}, absolute, with the file of an earlier run deleted. */
    static Path freshFile(String name) throws IOException {
        Path file = Path.of("target", name).toAbsolutePath();
        Files.deleteIfExists(file);
        return file;
    }

    /** Resets the process's peak RSS (VmHWM) to its current RSS; false when the kernel does not allow it. */
    static boolean resetPeakRss(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Current resident set size (VmRSS) in KiB, -1 when unknown. */
    static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    /** User + system CPU time the process has used so far, in seconds (NaN when unknown). */
    static double cpuSeconds(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(d -> d.toNanos() / 1e9)
                .orElse(Double.NaN);
    }

    /** The 1, 5 and 15 minute load averages, e.g. "1.52 0.98 0.61". */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** Runs {@code jcmd <pid> args...} (flight recordings); fails unless it exits 0 and reports no error. */
    static void jcmd(long pid, String... args) throws IOException, InterruptedException {
        String output = jcmdOutput(pid, args);
        if (output.contains("Could not") || output.contains("Exception")) {
            throw new IllegalStateException("jcmd " + pid + " " + String.join(" ", args) + " failed: " + output);
        }
    }

    /** What {@code jcmd <pid> args...} prints (a thread dump, say); fails unless it exits 0. */
    static String jcmdOutput(long pid, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        command.add(Long.toString(pid));
        command.addAll(List.of(args));
        Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (jcmd.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }

    static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.out.println("   could not delete " + dir + ": " + e);
        }
    }
}
