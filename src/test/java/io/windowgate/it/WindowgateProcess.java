package io.windowgate.it;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged app as its own JVM, the way it is deployed: {@code java -Xmx256m -XX:+UseSerialGC
 * -D<key>=<value>... -jar <jar>} (another -Xmx with {@link #maxHeap}; another collector when the JVM options name one),
 * the collector of the Docker image.
 * The output of every start is appended to one log file (with a marker line per start), so a failure can be read
 * there. {@link #kill()} is SIGKILL on Linux: no shutdown hook, no graceful stop.
 */
public final class WindowgateProcess implements AutoCloseable {

    /** target/windowgate.jar (run from the project root, as Maven does), or the error that says how to build it. */
    public static Path defaultJar() {
        Path jar = Path.of(System.getProperty("windowgate.jar", "target/windowgate.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: build it first with `mvn -B package -DskipTests` "
                    + "(failsafe runs the ITs after `package`, so `mvn -B verify` builds it by itself)");
        }
        return jar;
    }

    /**
     * The configuration of a Cloud API mode instance on free ports, with its file database and drop folder under
     * {@code dataDir}, sending to {@code providerUrl}, with CRM push and the operations API on {@code token} and every
     * rate limit lifted.
     * Callers add or override keys (outbox.*, dispatch.concurrency, ...) in the returned map.
     */
    public static Map<String, String> cloudApiProperties(Path dataDir, String providerUrl, String token) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("camel.server.port", Integer.toString(org.apache.camel.test.AvailablePortFinder.getNextAvailable()));
        p.put("camel.management.port", Integer.toString(org.apache.camel.test.AvailablePortFinder.getNextAvailable()));
        p.put("db.url", "jdbc:hsqldb:file:" + dataDir.resolve("db").toAbsolutePath()
                + "/db;hsqldb.tx=mvcc;hsqldb.write_delay=false;shutdown=true");
        p.put("drop.dir", dataDir.resolve("inbox").toAbsolutePath().toString());
        p.put("drop.poll-interval-ms", "200");
        p.put("drop.stable-ms", "200");
        // Cloud API mode (a verify token and an access token), not the sandbox
        p.put("whatsapp.access-token", "it-access-token");
        p.put("whatsapp.app-secret", "it-app-secret");
        p.put("whatsapp.webhook.verify-token", "it-verify-token");
        p.put("whatsapp.phone-number-id", "123");
        p.put("whatsapp.session.url", providerUrl);
        p.put("whatsapp.template.url", providerUrl);
        p.put("whatsapp.connect-timeout-ms", "1000");
        p.put("whatsapp.response-timeout-ms", "2000");
        // no pacing: the stand-in takes whatever comes (an older build ignores keys it does not know)
        p.put("whatsapp.max-messages-per-second", "100000");
        p.put("whatsapp.pair.burst", "1000000");
        p.put("crm.api-token", token);
        // the operations API (GET /api/notifications?status=...), same token for simplicity
        p.put("admin.api-token", token);
        return p;
    }

    /**
     * {@link #cloudApiProperties} for a run that kill -9s and restarts the app: {@code concurrency} senders, a short
     * outbox lease and cluster lock age (the restarted process is a new node that takes the dead one's claims and its
     * lock on a drop file over), and a response timeout short enough for that lease.
     */
    public static Map<String, String> killableProperties(Path dataDir, String providerUrl, String token,
            int concurrency) {
        Map<String, String> p = cloudApiProperties(dataDir, providerUrl, token);
        p.put("dispatch.concurrency", Integer.toString(concurrency));
        p.put("outbox.lease", "PT5S");
        // the app refuses a lease not longer than connect + response timeout + 2 s (1 s + 1.5 s + 2 s < 5 s)
        p.put("whatsapp.response-timeout-ms", "1500");
        p.put("outbox.poll-interval-ms", "100");
        p.put("cluster.lock-max-age", "PT3S");
        return p;
    }

    /** target/it-logs/NAME-yyyyMMdd-HHmmss.log: where a test's starts of the app write. */
    public static Path itLog(String name) {
        return Path.of("target", "it-logs", name + "-"
                + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + ".log");
    }

    /** A JUnit extension that prints the tail of the app's log when a test fails (the app as the supplier has it). */
    public static org.junit.jupiter.api.extension.TestWatcher printLogOnFailure(
            java.util.function.Supplier<WindowgateProcess> app) {
        return new org.junit.jupiter.api.extension.TestWatcher() {
            @Override
            public void testFailed(org.junit.jupiter.api.extension.ExtensionContext context, Throwable cause) {
                WindowgateProcess process = app.get();
                if (process != null) {
                    System.out.println("----- last 150 lines of " + process.log() + "\n" + process.logTail(150)
                            + "\n-----");
                }
            }
        };
    }

    private final Path jar;
    private final Path workDir;
    private final Path log;
    private final Map<String, String> properties;
    private final List<String> jvmOptions;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String maxHeap = "256m";
    private Process process;
    private int starts;

    /**
     * @param jar        the shaded jar to run
     * @param workDir    its working directory (data/ would land there if a property is missing)
     * @param log        file that collects stdout and stderr of every start
     * @param properties -D system properties; they override application.properties
     * @param jvmOptions further JVM options (e.g. JFR), before the -D properties
     */
    public WindowgateProcess(Path jar, Path workDir, Path log, Map<String, String> properties,
                             List<String> jvmOptions) {
        this.jar = jar;
        this.workDir = workDir;
        this.log = log;
        this.properties = new LinkedHashMap<>(properties);
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** The -Xmx of the next start (default 256m, the size the README promises). */
    public WindowgateProcess maxHeap(String size) {
        this.maxHeap = size;
        return this;
    }

    /** Starts the JVM (again, with the same configuration, after a kill or stop). */
    public WindowgateProcess start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running as pid " + process.pid());
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        if (jvmOptions.stream().noneMatch(o -> o.matches("-XX:\\+Use\\w+GC"))) {
            command.add("-XX:+UseSerialGC");
        }
        command.addAll(jvmOptions);
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());

        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.createDirectories(workDir);
        Files.writeString(log, "\n===== start #" + (++starts) + " at " + Instant.now() + ": "
                + String.join(" ", command) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // only the -D properties configure the app: no provider credentials from the environment
        pb.environment().keySet().removeIf(k -> k.startsWith("WHATSAPP_") || k.startsWith("CRM_") || k.startsWith("DB_")
                || k.startsWith("CAMEL_") || k.startsWith("CALLBACKS_") || k.equals("JAVA_TOOL_OPTIONS"));
        process = pb.start();
        if (starts == 1) {
            // no orphan when this JVM ends first (a test timeout, Ctrl-C of the benchmark)
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (process != null && process.isAlive()) {
                    process.destroyForcibly();
                }
            }));
        }
        return this;
    }

    /** Waits until GET /observe/health on the management port answers 200 (UP); fails at once if the JVM exits. */
    public WindowgateProcess waitHealthy(Duration timeout) {
        return waitHealth(timeout, true);
    }

    /**
     * Waits until GET /observe/health answers at all (200 UP or 503 DOWN): the app has started, whatever its checks
     * say (a database still coming back, say).
     */
    public WindowgateProcess waitStarted(Duration timeout) {
        return waitHealth(timeout, false);
    }

    private WindowgateProcess waitHealth(Duration timeout, boolean up) {
        URI health = URI.create("http://127.0.0.1:" + properties.get("camel.management.port") + "/observe/health");
        await("Windowgate (pid " + pid() + ") " + (up ? "healthy" : "answering") + " at " + health).atMost(timeout)
                .pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(IOException.class).until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("Windowgate exited with code " + process.exitValue()
                                + " during startup; see " + log);
                    }
                    HttpRequest get = HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).GET().build();
                    int status = http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode();
                    return status == 200 || (!up && status == 503);
                });
        return this;
    }

    /** kill -9: the JVM ends at once (Process.destroyForcibly is SIGKILL on Linux). */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** Graceful stop (SIGTERM; camel.main.shutdown-timeout is 15 s), SIGKILL after 30 s. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Peak resident set size of the running JVM in KiB (VmHWM of /proc/PID/status), -1 when unknown. */
    public long peakRssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    public Path log() {
        return log;
    }

    /** The last lines of the log, for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    public String property(String key) {
        return properties.get(key);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
