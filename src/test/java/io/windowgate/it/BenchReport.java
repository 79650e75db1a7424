package io.windowgate.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a benchmark run found: the lines it printed (kept for the report file) and each target it checked, met or
 * missed. Every line goes to standard output as soon as it is known.
 */
final class BenchReport {

    private final List<String> lines = new ArrayList<>();
    private final List<String> targets = new ArrayList<>();
    private boolean allMet = true;

    /** A benchmark's body: returns its exit status. */
    @FunctionalInterface
    interface Run {
        int run() throws Exception;
    }

    /**
     * Runs a benchmark's main and exits with its status, or 3 when it threw: exits even though HTTP client and server
     * threads are still alive.
     */
    static void exitWith(Run benchmark) {
        try {
            System.exit(benchmark.run());
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(3);
        }
    }

    /** Prints a line and keeps it for the report. */
    void line(String format, Object... args) {
        String line = args.length == 0 ? format : String.format(format, args);
        System.out.println(line);
        lines.add(line);
    }

    /** Records a target's verdict with the measured figure it was judged on. */
    void target(String name, boolean met, String measured) {
        allMet &= met;
        String verdict = String.format("%-4s %s: %s", met ? "MET" : "MISS", name, measured);
        targets.add(verdict);
        line("   -> " + verdict);
    }

    boolean allMet() {
        return allMet;
    }

    /** The report as text: every line, then the verdict of each target. */
    String text() {
        List<String> out = new ArrayList<>(lines);
        out.add("");
        out.add("Targets:");
        targets.forEach(t -> out.add("  " + t));
        out.add(allMet ? "verdict: every target met" : "verdict: at least one target missed");
        return String.join("\n", out) + "\n";
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text(), StandardCharsets.UTF_8);
    }
}
