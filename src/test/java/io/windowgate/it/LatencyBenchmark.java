package io.windowgate.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The latency targets on this machine, run by {@code .ci/benchmark-latency}:
 * <ol>
 *   <li>(a) {@link ExpiryBenchmark}: 1,000,000 stale windows expired by one scheduled sweep in under 5 s, on HSQLDB
 *       and on PostgreSQL;</li>
 *   <li>(b) {@link CrmPushLatencyBenchmark}: CRM push p99 under 50 ms at 200 requests/s, open loop;</li>
 *   <li>(c) {@link StartupBenchmark}: from process start to readiness UP in under 3 s.</li>
 * </ol>
 * Every figure is printed as it comes and the whole report is written to the report file.
 *
 * <p>Usage: {@code LatencyBenchmark <windowgate.jar> [report=target/benchmark-latency.txt]}. Environment:
 * {@code PARTS} = which parts to run, e.g. {@code expiry,crm} (default {@code expiry,crm,startup}); the sizes of each
 * part are described in its class; {@code JAVA_OPTS} = extra JVM options for the app in (b) and (c).
 * Exit status: 0 = every target met, 1 = at least one missed, 2 = usage, 3 = the run failed.
 */
public final class LatencyBenchmark {

    private static final List<String> ALL_PARTS = List.of("expiry", "crm", "startup");

    public static void main(String[] args) {
        BenchReport.exitWith(() -> benchmark(args));
    }

    static int benchmark(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LatencyBenchmark <windowgate.jar> [report]");
            return 2;
        }
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path report = Path.of(args.length > 1 ? args[1] : "target/benchmark-latency.txt");
        Set<String> parts = new LinkedHashSet<>(Arrays.asList(
                System.getenv().getOrDefault("PARTS", String.join(",", ALL_PARTS)).split(",")));
        if (!ALL_PARTS.containsAll(parts)) {
            System.err.println("PARTS must be a comma-separated subset of " + ALL_PARTS + ", was " + parts);
            return 2;
        }
        Path workDir = Path.of("target", "bench-latency").toAbsolutePath();
        Files.createDirectories(workDir);

        BenchReport out = new BenchReport();
        out.line("Latency benchmark at %s: %s, %d cores, Java %s, benchmark JVM -Xmx%d MiB; load average "
                        + "before: %s", Instant.now(), jar.getFileName(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() / (1024 * 1024), loadAverage());
        if (parts.contains("expiry")) {
            new ExpiryBenchmark(ExpiryBenchmark.DataSet.fromEnvironment(), workDir).run(out);
            out.line("   load average after (a): %s", loadAverage());
        }
        if (parts.contains("crm")) {
            new CrmPushLatencyBenchmark(jar, workDir).run(out);
            out.line("   load average after (b): %s", loadAverage());
        }
        if (parts.contains("startup")) {
            new StartupBenchmark(jar, workDir).run(out);
            out.line("   load average after (c): %s", loadAverage());
        }
        out.write(report);
        System.out.println();
        System.out.print(out.text());
        System.out.println("(written to " + report + ")");
        return out.allMet() ? 0 : 1;
    }

    /** The 1, 5 and 15 minute load averages of this machine (others may build on it at the same time). */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** The app's extra JVM options from JAVA_OPTS ({label} becomes the part's name, e.g. for a JFR file name). */
    static List<String> appJvmOptions(String label) {
        String opts = System.getenv().getOrDefault("JAVA_OPTS", "").replace("{label}", label).trim();
        return opts.isEmpty() ? List.of() : Arrays.asList(opts.split("\\s+"));
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            System.out.println("   could not delete " + dir + ": " + e);
        }
    }

    static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
