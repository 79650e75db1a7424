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
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Part (c) of the latency benchmark: startup to ready (target: under 3 s).
 *
 * <p>Starts the packaged jar ({@link WindowgateProcess}: -Xmx256m, Cloud API mode against a local
 * {@link ProviderStandIn}) first on a fresh HSQLDB file database (every migration runs), then {@code STARTUP_RUNS}
 * (default 5) more times on the database that start left. Each start is timed from just before the process is
 * launched until {@code GET /observe/health/ready} on the management port first answers 200 with status UP (polled
 * every 10 ms), and stopped gracefully before the next. Camel's own "started in" line of each start is read from the
 * log as well. The judged starts run the jar as the README does, with the class data sharing archive that
 * {@code mvn package} made of it ({@code target/windowgate.jsa}); then, unless {@code STARTUP_PLAIN=0}, the same
 * starts without it (reported, not judged).
 */
final class StartupBenchmark {

    static final double TARGET_SECONDS = 3.0;
    static final String TOKEN = "bench-startup-token";
    /** Camel's line, "Apache Camel 4.18.0 (windowgate) started in 612ms (build:0ms init:0ms start:612ms boot:2s)". */
    private static final Pattern STARTED = Pattern.compile("Apache Camel \\S+ \\(\\S+\\) started in (.*)$");
    private static final Pattern UP = Pattern.compile("\"status\"\\s*:\\s*\"UP\"");

    private final Path jar;
    private final Path workDir;
    private final int runs = Integer.parseInt(System.getenv().getOrDefault("STARTUP_RUNS", "5"));
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    StartupBenchmark(Path jar, Path workDir) {
        this.jar = jar;
        this.workDir = workDir;
    }

    /** One start: seconds from launch to ready, and Camel's own figures. */
    record Start(String label, double seconds, double cpuSeconds, String camelStartedIn) {
    }

    void run(BenchReport report) throws Exception {
        report.line("(c) Startup to /observe/health/ready UP: the first start on a fresh database, then %d on the "
                + "database it left; -Xmx256m, Cloud API mode, HSQLDB file database", runs);
        Path data = workDir.resolve("startup");
        LatencyBenchmark.deleteTree(data);
        Path log = Path.of("target", "benchmark-latency-startup.log");
        Files.deleteIfExists(log);
        try (ProviderStandIn provider = new ProviderStandIn(2, 0)) {
            Map<String, String> config = WindowgateProcess.cloudApiProperties(data, provider.messagesUrl(), TOKEN);
            URI ready = URI.create("http://127.0.0.1:" + config.get("camel.management.port") + "/observe/health/ready");
            List<String> options = LatencyBenchmark.appJvmOptions("startup");
            try {
                // as the README runs it: with the class data sharing archive that `mvn package` made of this jar
                Path archive = jar.toAbsolutePath().resolveSibling("windowgate.jsa");
                List<String> asDocumented = new ArrayList<>(options);
                if (Files.isRegularFile(archive)) {
                    asDocumented.add("-XX:SharedArchiveFile=" + archive);
                    report.line("   the README's command: java -XX:SharedArchiveFile=%s (%d MiB, made by mvn package) "
                            + "-jar %s", archive.getFileName(), Files.size(archive) / (1024 * 1024), jar.getFileName());
                } else {
                    report.line("   no %s (was the jar built with -Dcds.skip?): starting without it", archive);
                }
                List<Start> documented = series(report, config, ready, log, asDocumented, true);
                double median = summary(report, "existing database", documented);
                report.target("(c) startup to ready under 3 s (median of " + documented.size() + " starts on an "
                        + "existing database, the README's command)", median < TARGET_SECONDS,
                        String.format("median %.2f s, max %.2f s", median,
                                documented.get(documented.size() - 1).seconds));
                if (!"0".equals(System.getenv("STARTUP_PLAIN"))) {
                    report.line("   without the archive (java -jar alone; reported, not judged):");
                    summary(report, "existing database, no archive",
                            series(report, config, ready, log, options, false));
                }
            } finally {
                LatencyBenchmark.deleteTree(data);
            }
        }
    }

    /** A fresh start first when asked, then STARTUP_RUNS starts on the database; returns those, fastest first. */
    private List<Start> series(BenchReport report, Map<String, String> config, URI ready, Path log,
                               List<String> options, boolean fresh) throws Exception {
        WindowgateProcess app = new WindowgateProcess(jar, workDir.resolve("startup").resolve("work"), log, config,
                options);
        List<Start> starts = new ArrayList<>();
        try {
            if (fresh) {
                report(report, start(app, ready, "fresh database"));
            }
            for (int i = 1; i <= runs; i++) {
                Start again = start(app, ready, "existing database #" + i);
                starts.add(again);
                report(report, again);
            }
        } catch (Exception | AssertionError e) {
            System.out.println("----- (c) failed; last 60 lines of " + log + "\n" + app.logTail(60));
            throw e;
        } finally {
            app.stop();
        }
        starts.sort(java.util.Comparator.comparingDouble(Start::seconds));
        return starts;
    }

    /** Prints min, median and max of the starts; returns the median. */
    private static double summary(BenchReport report, String label, List<Start> starts) {
        double[] seconds = starts.stream().mapToDouble(Start::seconds).sorted().toArray();
        double[] cpu = starts.stream().mapToDouble(Start::cpuSeconds).sorted().toArray();
        double median = seconds[seconds.length / 2];
        report.line("   %s, %d starts: min %.2f s, median %.2f s, max %.2f s (app CPU until ready: median %.2f s)",
                label, seconds.length, seconds[0], median, seconds[seconds.length - 1], cpu[cpu.length / 2]);
        return median;
    }

    private static void report(BenchReport report, Start start) {
        report.line("   %-24s %.2f s to ready (app CPU %.2f s); Camel: started in %s", start.label, start.seconds,
                start.cpuSeconds, start.camelStartedIn);
    }

    /** Launches the app, waits for readiness UP, reads Camel's line, stops it; the stop is not timed. */
    private Start start(WindowgateProcess app, URI ready, String label) throws Exception {
        long t0 = System.nanoTime();
        app.start();
        await("Windowgate ready at " + ready).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10)).ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> isReady(app, ready));
        double seconds = LatencyBenchmark.secondsSince(t0);
        double cpuSeconds = CpuTime.ofProcess(app.pid());
        // the line is logged while the context finishes starting; give the log a moment to be written
        String[] startedIn = new String[1];
        await("Camel's started line in " + app.log()).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).until(() -> (startedIn[0] = camelStartedIn(app.log())) != null);
        app.stop();
        return new Start(label, seconds, cpuSeconds, startedIn[0]);
    }

    private boolean isReady(WindowgateProcess app, URI ready) throws Exception {
        if (!app.isAlive()) {
            throw new IllegalStateException("Windowgate exited during startup; see " + app.log());
        }
        HttpRequest get = HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).GET().build();
        HttpResponse<String> answer = http.send(get, HttpResponse.BodyHandlers.ofString());
        return answer.statusCode() == 200 && UP.matcher(answer.body()).find();
    }

    /** The figures of Camel's "started in" line of the latest start in the log, or null while there is none. */
    private static String camelStartedIn(Path log) throws IOException {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        String latest = text.substring(text.lastIndexOf("===== start #"));
        String found = null;
        for (String line : latest.lines().toList()) {
            Matcher m = STARTED.matcher(line);
            if (m.find()) {
                found = m.group(1).trim();
            }
        }
        return found;
    }
}
