package io.windowgate.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time of a bulk drop goes, from a flight recording of the app (as {@code .ci/benchmark-bulk} makes with
 * JFR=...): CPU per thread, then for the threads that process the rows (the outbox senders, which store and send
 * each chunk, or those named on the command line) their time on and off the CPU, their CPU samples by area, the
 * hottest methods (self), the Windowgate calls they happen under (inclusive), and their lock and I/O waits; finally
 * where the whole app allocates.
 *
 * <p>Usage: {@code JfrBreakdown <recording.jfr> [part of the thread names]}. Uses only the JDK's jdk.jfr.consumer API,
 * so it runs on Java 17, whose {@code jfr} tool has no {@code view} command.
 *
 * <p>How samples are read: JFR samples threads running Java code every 10 ms (profile settings) and at most one
 * thread in native code every 20 ms. A sample's <em>area</em> is the first frame from the top that is not JDK code
 * (java.*, jdk.*, sun.*): a HashMap lookup made by HSQLDB counts as HSQLDB, a regex run by Windowgate as Windowgate.
 */
public final class JfrBreakdown {

    /** Package prefixes to areas, most specific first. */
    private static final Map<String, String> AREAS = new LinkedHashMap<>();

    static {
        AREAS.put("org.hsqldb.", "HSQLDB (SQL parse/execute, log)");
        AREAS.put("com.zaxxer.hikari.", "HikariCP pool");
        AREAS.put("org.apache.camel.component.http.", "camel-http producer");
        AREAS.put("org.apache.camel.http.", "camel-http producer");
        AREAS.put("org.apache.hc.", "HTTP client (httpclient5)");
        AREAS.put("com.fasterxml.jackson.", "Jackson JSON");
        AREAS.put("org.apache.logging.", "logging (log4j2)");
        AREAS.put("org.slf4j.", "logging (log4j2)");
        AREAS.put("com.google.i18n.phonenumbers.", "libphonenumber");
        AREAS.put("org.apache.commons.csv.", "commons-csv");
        AREAS.put("io.micrometer.", "metrics (micrometer)");
        AREAS.put("org.apache.camel.component.micrometer.", "metrics (micrometer)");
        AREAS.put("org.apache.camel.language.", "Camel simple language / expressions");
        AREAS.put("org.apache.camel.support.builder.", "Camel simple language / expressions");
        AREAS.put("org.apache.camel.component.bean.", "Camel bean binding (method calls)");
        AREAS.put("org.apache.camel.component.file.", "Camel file component");
        AREAS.put("org.apache.camel.impl.converter.", "Camel type conversion");
        AREAS.put("org.apache.camel.converter.", "Camel type conversion");
        AREAS.put("org.apache.camel.support.TypeConverter", "Camel type conversion");
        AREAS.put("org.apache.camel.", "Camel routing engine (core)");
        AREAS.put("io.windowgate.", "Windowgate code");
        AREAS.put("io.vertx.", "Vert.x / Netty (HTTP server)");
        AREAS.put("io.netty.", "Vert.x / Netty (HTTP server)");
        AREAS.put("org.quartz.", "Quartz");
        AREAS.put("jdk.jfr.", "JFR");
    }

    /**
     * Camel features, for the samples without a Windowgate frame: the first entry (in this order) whose method is on
     * the stack names what the sample was spent on.
     */
    private static final List<String[]> CAMEL_FEATURES = List.of(
            new String[] {"org.apache.camel.component.http.HttpProducer.process",
                "HTTP call (camel-http + httpclient5)"},
            new String[] {"org.apache.camel.impl.engine.MDCUnitOfWork", "MDC logging (camel.main.use-mdc-logging)"},
            new String[] {"org.apache.logging.log4j.spi.DefaultThreadContextMap",
                "MDC logging (camel.main.use-mdc-logging)"},
            new String[] {"org.apache.camel.component.micrometer.", "metrics (micrometer route policy, event notifier)"},
            new String[] {"io.micrometer.", "metrics (micrometer route policy, event notifier)"},
            new String[] {"org.apache.camel.support.ObjectHelper.typeCoerceEquals",
                "simple '==' of an enum and a String (converter registry lookup, not cached)"},
            new String[] {"org.apache.camel.component.bean.BeanInfo.<init>",
                "simple OGNL ${x.method()}: the class introspected again (new BeanInfo)"},
            new String[] {"org.apache.camel.component.bean.MethodInfo$ParameterExpression",
                "bean method arguments: simple expressions evaluated per call"},
            new String[] {"org.apache.camel.support.ExchangeHelper.createCopy",
                "exchange copies made by bean expressions (BeanExpression.invokeOgnlMethod, invokeBean)"},
            new String[] {"org.apache.camel.support.DefaultExchange.copy",
                "exchange copies made by bean expressions (BeanExpression.invokeOgnlMethod, invokeBean)"},
            new String[] {"org.apache.camel.impl.converter.", "type conversion"},
            new String[] {"org.apache.camel.language.",
                "bean expressions and simple language (header map copies, OGNL parsing, lookups)"},
            new String[] {"org.apache.camel.component.bean.", "bean invocation (reflection, binding)"},
            new String[] {"org.apache.camel.support.EventHelper", "Camel events"},
            new String[] {"org.apache.camel.processor.RemoveHeadersProcessor", "removeHeaders"},
            new String[] {"org.apache.camel.component.file.GenericFileConsumer.processExchange",
                "Camel routing engine (pipeline, unit of work, error handler, executor)"});

    /** Library methods worth an inclusive figure of their own (a sample counts once per entry on its stack). */
    private static final List<String> ENTRY_POINTS = List.of(
            "org.apache.camel.component.http.HttpProducer.process",
            "org.hsqldb.jdbc.JDBCPreparedStatement.<init>",
            "org.hsqldb.jdbc.JDBCPreparedStatement.executeUpdate",
            "org.hsqldb.jdbc.JDBCPreparedStatement.executeQuery",
            "org.hsqldb.jdbc.JDBCConnection.commit",
            "org.hsqldb.Session.commit",
            "org.hsqldb.ParserCommand.compileStatement",
            "org.hsqldb.Session.compileStatement",
            "com.zaxxer.hikari.HikariDataSource.getConnection",
            "com.zaxxer.hikari.pool.ProxyConnection.close",
            "org.apache.logging.log4j.spi.AbstractLogger.logIfEnabled",
            "org.apache.camel.component.bean.BeanInfo.<init>",
            "org.apache.camel.component.bean.MethodInfo.invoke",
            "org.apache.camel.language.simple.SimpleLanguage.createExpression",
            "org.apache.camel.language.simple.SimpleLanguage.createPredicate",
            "org.apache.camel.component.micrometer.eventnotifier.MicrometerExchangeEventNotifier.notify",
            "org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicy$MetricsStatistics.onExchangeDone",
            "com.google.i18n.phonenumbers.PhoneNumberUtil.parse",
            "com.fasterxml.jackson.databind.ObjectMapper.readTree",
            "com.fasterxml.jackson.databind.node.BaseJsonNode.toString");

    record Sample(String thread, List<String> frames, boolean truncated) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JfrBreakdown <recording.jfr> [part of the thread name]");
            System.exit(2);
        }
        new JfrBreakdown(Path.of(args[0]), args.length > 1 ? args[1] : null).print();
    }

    private final List<Sample> javaSamples = new ArrayList<>();
    private final List<Sample> nativeSamples = new ArrayList<>();
    private final List<RecordedEvent> waits = new ArrayList<>();
    private final Map<String, Double> cpuSecondsByThread = new HashMap<>();
    private final Map<String, Double> userSecondsByThread = new HashMap<>();
    private final Map<String, Instant> lastCpuLoadAt = new HashMap<>();
    private final Map<String, Double> allocationByArea = new HashMap<>();
    private final Map<String, Double> allocationByFrame = new HashMap<>();
    private final String threadFilter;
    private final Path file;
    private Instant start;
    private Instant end;
    private double jvmCpuSeconds;
    private double gcCpuSeconds;
    private double gcPauseSeconds;
    private int gcCount;
    private int cpus = Runtime.getRuntime().availableProcessors();

    JfrBreakdown(Path file, String threadFilter) throws IOException {
        this.file = file;
        this.threadFilter = threadFilter;
        read();
    }

    private void read() throws IOException {
        Instant lastCpuLoad = null;
        List<RecordedEvent> threadLoads = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            Instant t = e.getStartTime();
            String type = e.getEventType().getName();
            // the span of the recording, from its periodic events (some events carry older times, e.g. a thread's start)
            if (type.equals("jdk.CPULoad") || type.endsWith("MethodSample") || type.equals("jdk.ExecutionSample")) {
                start = start == null || t.isBefore(start) ? t : start;
                end = end == null || t.isAfter(end) ? t : end;
            }
            switch (type) {
                case "jdk.ExecutionSample" -> javaSamples.add(sample(e, "sampledThread"));
                case "jdk.NativeMethodSample" -> nativeSamples.add(sample(e, "sampledThread"));
                case "jdk.CPUInformation" -> cpus = e.getInt("hwThreads");
                case "jdk.CPULoad" -> {
                    if (lastCpuLoad != null) {
                        jvmCpuSeconds += (e.getFloat("jvmUser") + e.getFloat("jvmSystem")) * cpus
                                * seconds(Duration.between(lastCpuLoad, t));
                    }
                    lastCpuLoad = t;
                }
                case "jdk.ThreadCPULoad" -> threadLoads.add(e);
                case "jdk.GCCPUTime" -> gcCpuSeconds += (e.getLong("userTime") + e.getLong("systemTime")) / 1e9;
                case "jdk.GarbageCollection" -> {
                    gcCount++;
                    gcPauseSeconds += seconds(e.getDuration("sumOfPauses"));
                }
                case "jdk.ObjectAllocationSample" -> {
                    Sample s = sample(e, "eventThread");
                    double mib = e.getLong("weight") / 1048576.0;
                    allocationByArea.merge(area(s.frames()), mib, Double::sum);
                    allocationByFrame.merge(firstNonJdk(s.frames()), mib, Double::sum);
                }
                case "jdk.JavaMonitorEnter", "jdk.JavaMonitorWait", "jdk.ThreadPark", "jdk.FileForce",
                        "jdk.FileWrite", "jdk.FileRead", "jdk.SocketRead", "jdk.SocketWrite" -> waits.add(e);
                default -> { }
            }
        }
        // ThreadCPULoad: the share of all CPUs a thread used since its previous event (the first event counts from the
        // recording's start)
        threadLoads.sort(Comparator.comparing(RecordedEvent::getStartTime));
        for (RecordedEvent e : threadLoads) {
            String thread = threadName(e.getThread("eventThread"));
            Instant since = lastCpuLoadAt.getOrDefault(thread, start);
            double interval = cpus * seconds(Duration.between(since, e.getStartTime()));
            cpuSecondsByThread.merge(thread, (e.getFloat("user") + e.getFloat("system")) * interval, Double::sum);
            userSecondsByThread.merge(thread, e.getFloat("user") * interval, Double::sum);
            lastCpuLoadAt.put(thread, e.getStartTime());
        }
    }

    private void print() {
        double duration = seconds(Duration.between(start, end));
        System.out.printf("Recording %s: %.1f s, %d CPUs; %d Java samples, %d native samples%n", file, duration, cpus,
                javaSamples.size(), nativeSamples.size());
        System.out.printf("%nCPU of the app: %.1f s = %.2f cores on average (jdk.CPULoad)%n", jvmCpuSeconds,
                jvmCpuSeconds / duration);
        System.out.printf("  %-70s %7.1f s  %5.1f %%%n", "GC threads (jdk.GCCPUTime)", gcCpuSeconds,
                100 * gcCpuSeconds / jvmCpuSeconds);
        cpuSecondsByThread.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(10)
                .forEach(t -> System.out.printf("  %-70s %7.1f s  %5.1f %%%n", shorten(t.getKey(), 70), t.getValue(),
                        100 * t.getValue() / jvmCpuSeconds));
        System.out.printf("  GC: %d collections, %.2f s of pauses%n", gcCount, gcPauseSeconds);

        Set<String> hot = hotThreads();
        List<Sample> java = javaSamples.stream().filter(s -> hot.contains(s.thread())).toList();
        List<Sample> inNative = nativeSamples.stream().filter(s -> hot.contains(s.thread())).toList();
        double hotCpu = hot.stream().mapToDouble(t -> cpuSecondsByThread.getOrDefault(t, 0.0)).sum() / hot.size();
        System.out.printf("%n=== the threads that process the rows (%d; figures per thread on average where stated): %s%n",
                hot.size(), String.join(", ", hot));
        double hotUser = hot.stream().mapToDouble(t -> userSecondsByThread.getOrDefault(t, 0.0)).sum() / hot.size();
        System.out.printf("per thread: wall %.1f s: on CPU %.1f s (%.0f %%; user %.1f s, kernel %.1f s; jdk.ThreadCPULoad), off CPU "
                        + "(waiting, or runnable without a free core) %.1f s (%.0f %%)%n", duration, hotCpu,
                100 * hotCpu / duration, hotUser, hotCpu - hotUser, duration - hotCpu,
                100 * (duration - hotCpu) / duration);
        System.out.printf("its %d native samples (JFR takes one thread in native code per 20 ms, so these give the "
                + "split of its native time, not its length), by top frame:%n", inNative.size());
        table(count(inNative, s -> nativeKind(s.frames())), inNative.size(), 8);

        System.out.printf("%nits %d Java samples (CPU; %d with a truncated stack), by area (first non-JDK frame from the "
                + "top):%n", java.size(), java.stream().filter(Sample::truncated).count());
        table(count(java, s -> area(s.frames())), java.size(), 20);
        System.out.printf("%nby step, exclusive (a sample with a Windowgate frame counts for the outermost one: the bean "
                + "method a route step called; one without counts for the Camel feature on its stack):%n");
        Map<String, Integer> steps = count(java, s -> step(s.frames()));
        steps.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(25)
                .forEach(st -> {
                    System.out.printf("  %5.1f %%  %6d  %s%n", 100.0 * st.getValue() / java.size(), st.getValue(),
                            shorten(st.getKey(), 110));
                    if (st.getKey().startsWith("Windowgate: ")) {
                        Map<String, Integer> areas = count(java.stream().filter(s -> step(s.frames())
                                .equals(st.getKey())).toList(), s -> area(s.frames()));
                        List<String> parts = new ArrayList<>();
                        areas.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                                .limit(4).forEach(a -> parts.add(String.format("%s %.1f %%", a.getKey(),
                                        100.0 * a.getValue() / java.size())));
                        System.out.println("                   of which " + String.join(", ", parts));
                    }
                });
        System.out.printf("%ntop 15 methods, self (the frame on top of the stack):%n");
        table(count(java, s -> s.frames().isEmpty() ? "?" : s.frames().get(0)), java.size(), 15);
        System.out.printf("%ntop 15 methods, self, JDK frames folded into their caller:%n");
        table(count(java, s -> firstNonJdk(s.frames())), java.size(), 15);
        System.out.printf("%nWindowgate methods, inclusive (a sample counts for every one on its stack):%n");
        table(inclusive(java, f -> f.startsWith("io.windowgate.")), java.size(), 25);
        System.out.printf("%nlibrary entry points, inclusive:%n");
        table(inclusive(java, ENTRY_POINTS::contains), java.size(), ENTRY_POINTS.size());

        System.out.printf("%nlock and I/O waits of these threads, summed (events over their threshold: 10 ms in the profile "
                + "settings, unless lowered):%n");
        Map<String, double[]> byType = new LinkedHashMap<>();
        for (RecordedEvent e : waits) {
            if (e.getThread() != null && hot.contains(threadName(e.getThread()))) {
                String key = e.getEventType().getName() + " at " + firstNonJdk(sample(e, "eventThread").frames());
                double[] v = byType.computeIfAbsent(key, k -> new double[2]);
                v[0]++;
                v[1] += seconds(e.getDuration());
            }
        }
        byType.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1])).limit(12)
                .forEach(w -> System.out.printf("  %6.0f x %8.3f s  %s%n", w.getValue()[0], w.getValue()[1],
                        shorten(w.getKey(), 110)));
        if (byType.isEmpty()) {
            System.out.println("  (none)");
        }

        double allocated = allocationByArea.values().stream().mapToDouble(Double::doubleValue).sum();
        System.out.printf("%nallocation of the whole app (jdk.ObjectAllocationSample weights), %.0f MiB, by area:%n",
                allocated);
        allocationByArea.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(10)
                .forEach(a -> System.out.printf("  %5.1f %%  %6.0f MiB  %s%n", 100 * a.getValue() / allocated,
                        a.getValue(), a.getKey()));
        System.out.println("by allocating method (JDK frames folded into their caller):");
        allocationByFrame.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(10)
                .forEach(a -> System.out.printf("  %5.1f %%  %6.0f MiB  %s%n", 100 * a.getValue() / allocated,
                        a.getValue(), shorten(a.getKey(), 110)));
    }

    /**
     * The threads that process a dropped file's rows: those whose name contains the one given on the command line, by
     * default the outbox senders (the CSV path sends each chunk on them); else the busiest thread.
     */
    private Set<String> hotThreads() {
        String filter = threadFilter == null ? "outbox-sender" : threadFilter;
        Map<String, Integer> perThread = count(javaSamples, Sample::thread);
        Set<String> matching = new java.util.TreeSet<>();
        perThread.keySet().stream().filter(t -> t.contains(filter)).forEach(matching::add);
        if (matching.isEmpty()) {
            matching.add(perThread.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey());
        }
        return matching;
    }

    /** The outermost Windowgate method on the stack, else the first Camel feature of {@link #CAMEL_FEATURES}. */
    private static String step(List<String> frames) {
        String outermost = null;
        for (String frame : frames) {
            if (frame.startsWith("io.windowgate.")) {
                outermost = frame; // frames run from the top of the stack down: the last one is the outermost
            }
        }
        if (outermost != null) {
            return "Windowgate: " + outermost;
        }
        for (String[] feature : CAMEL_FEATURES) {
            if (frames.stream().anyMatch(f -> f.startsWith(feature[0]))) {
                return "Camel: " + feature[1];
            }
        }
        return "other: " + (frames.isEmpty() ? "?" : frames.get(frames.size() - 1));
    }

    /** What a thread in native code is doing, from its top frames. */
    private static String nativeKind(List<String> frames) {
        String top = frames.isEmpty() ? "?" : frames.get(0);
        String caller = firstNonJdk(frames);
        if (top.startsWith("java.io.FileDescriptor.sync")) {
            return "fsync (FileDescriptor.sync) from " + caller;
        }
        if (frames.stream().anyMatch(f -> f.startsWith("sun.nio.ch.NioSocketImpl.park")
                || f.startsWith("sun.nio.ch.NioSocketImpl.read") || f.startsWith("sun.nio.ch.SocketDispatcher.read"))) {
            return "socket read / wait for the answer, from " + caller;
        }
        if (frames.stream().anyMatch(f -> f.startsWith("sun.nio.ch.SocketDispatcher.write")
                || f.startsWith("sun.nio.ch.NioSocketImpl.write"))) {
            return "socket write, from " + caller;
        }
        if (top.startsWith("java.io.FileOutputStream.write") || top.startsWith("java.io.RandomAccessFile.write")) {
            return "file write, from " + caller;
        }
        return top + " from " + caller;
    }

    private static String area(List<String> frames) {
        for (String frame : frames) {
            for (Map.Entry<String, String> area : AREAS.entrySet()) {
                if (frame.startsWith(area.getKey())) {
                    return area.getValue();
                }
            }
            if (!isJdk(frame)) {
                return "other: " + frame.substring(0, Math.max(0, frame.lastIndexOf('.')));
            }
        }
        return "JDK only";
    }

    /** The first non-JDK frame from the top, or the top frame when all are JDK. */
    private static String firstNonJdk(List<String> frames) {
        return frames.stream().filter(f -> !isJdk(f)).findFirst().orElse(frames.isEmpty() ? "?" : frames.get(0));
    }

    private static boolean isJdk(String frame) {
        return frame.startsWith("java.") || frame.startsWith("javax.") || frame.startsWith("jdk.internal.")
                || frame.startsWith("sun.") || frame.startsWith("com.sun.");
    }

    private static Sample sample(RecordedEvent e, String threadField) {
        RecordedThread thread = e.hasField(threadField) ? e.getThread(threadField) : e.getThread();
        List<String> frames = new ArrayList<>();
        RecordedStackTrace stack = e.getStackTrace();
        if (stack != null) {
            for (RecordedFrame f : stack.getFrames()) {
                if (f.isJavaFrame()) {
                    frames.add(f.getMethod().getType().getName() + "." + f.getMethod().getName());
                }
            }
        }
        return new Sample(threadName(thread), frames, stack != null && stack.isTruncated());
    }

    private static String threadName(RecordedThread thread) {
        if (thread == null) {
            return "?";
        }
        return thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName();
    }

    private static Map<String, Integer> count(List<Sample> samples, Function<Sample, String> key) {
        Map<String, Integer> counts = new HashMap<>();
        samples.forEach(s -> counts.merge(key.apply(s), 1, Integer::sum));
        return counts;
    }

    /** Per method matching {@code include}: the samples with it anywhere on the stack (once per sample). */
    private static Map<String, Integer> inclusive(List<Sample> samples, java.util.function.Predicate<String> include) {
        Map<String, Integer> counts = new HashMap<>();
        for (Sample s : samples) {
            Set<String> seen = new HashSet<>();
            for (String frame : s.frames()) {
                if (include.test(frame) && seen.add(frame)) {
                    counts.merge(frame, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    private static void table(Map<String, Integer> counts, int total, int limit) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .forEach(c -> System.out.printf("  %5.1f %%  %6d  %s%n", 100.0 * c.getValue() / total, c.getValue(),
                        shorten(c.getKey(), 110)));
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
