package io.windowgate.it;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
