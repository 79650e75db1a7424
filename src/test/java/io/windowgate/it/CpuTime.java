package io.windowgate.it;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * CPU seconds used by this JVM or by child processes (Linux /proc), to report next to wall-clock figures: others
 * build on this machine at the same time, and CPU time is much less disturbed by them than elapsed time.
 */
final class CpuTime {

    /** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on every Linux this runs on). */
    private static final double TICKS_PER_SECOND = 100.0;

    private CpuTime() {
    }

    /** CPU seconds of this JVM so far (all threads: the work itself, GC and JIT). */
    static double ofThisJvm() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /**
     * CPU seconds so far of the processes whose command line contains {@code part} and of their descendants, e.g. an
     * embedded PostgreSQL's postmaster (found by its data directory; it runs detached from this JVM) and its
     * backends. Processes that ended meanwhile are not counted.
     */
    static double ofProcessTree(String part) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(part)).orElse(false))
                .flatMap(p -> Stream.concat(Stream.of(p), p.descendants()))
                .distinct().mapToDouble(p -> ofProcess(p.pid())).sum();
    }

    /** CPU seconds so far of one process (all its threads), 0 when it has ended. */
    static double ofProcess(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the fields after the command name, which is in parentheses and may contain spaces
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after pid and command
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (Exception e) {
            return 0; // the process ended
        }
    }

    /**
     * CPU seconds so far of each group of a process's threads (Linux /proc/PID/task), the group being the thread's
     * name without its digits: "C2 CompilerThre" (JIT), "GC Thread", "stand-in-webhook-", ... A breakdown to compare
     * before and after a change without a profiler; threads that ended meanwhile are not counted.
     */
    static Map<String, Double> byThreadGroup(long pid) {
        Map<String, Double> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = group(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
                    groups.merge(name, seconds, Double::sum);
                } catch (Exception e) {
                    // the thread ended
                }
            });
        } catch (Exception e) {
            // the process ended
        }
        return groups;
    }

    private static final Pattern DUMPED_THREAD = Pattern.compile("^\"(.*)\" .*?cpu=([0-9.]+)ms", Pattern.MULTILINE);

    /**
     * As {@link #byThreadGroup}, from a thread dump of a JVM ({@code jcmd PID Thread.print}, which gives each thread's
     * CPU time and its whole name, where /proc cuts names to 15 characters and so puts every Camel thread into one
     * group): "Camel (camel-) thread  - outbox-sender", "callback-sender-", "GC Thread", ... Empty when the dump
     * failed.
     */
    static Map<String, Double> byThreadName(long pid) {
        Map<String, Double> groups = new TreeMap<>();
        try {
            Matcher thread = DUMPED_THREAD.matcher(BulkBenchmark.jcmdOutput(pid, "Thread.print"));
            while (thread.find()) {
                groups.merge(group(thread.group(1)), Double.parseDouble(thread.group(2)) / 1000, Double::sum);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException | RuntimeException e) {
            // no breakdown: the report says so by its empty line
        }
        return groups;
    }

    /** A thread's group: its name without digits, so that the threads of one pool add up. */
    private static String group(String threadName) {
        return threadName.replaceAll("[0-9#]", "").trim();
    }

    /** The CPU seconds of the JIT compiler threads in a {@link #byThreadGroup} breakdown. */
    static double compilerSeconds(Map<String, Double> groups) {
        return groups.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** {@code after} less {@code before}, per group, the largest first, as "name 1.23 s" items (at most {@code top}). */
    static String difference(Map<String, Double> before, Map<String, Double> after, int top) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0)))
                .filter(e -> e.getValue() > 0.005)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(top)
                .map(e -> String.format(java.util.Locale.ROOT, "%s %.2f s", e.getKey(), e.getValue()))
                .collect(java.util.stream.Collectors.joining(", "));
    }
}
