package io.windowgate.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The app's heap use, read from its GC log ({@code -Xlog:gc:file=...}): every pause line says how much heap was in use
 * before and after the collection, e.g. {@code GC(7) Pause Young (Normal) (G1 Evacuation Pause) 150M->21M(256M)
 * 3.1ms}. The highest "before" is the peak heap use (the heap fills up until a collection empties it); the "after"
 * values are what was still live, so they show whether the heap grows with the rows. Resolution: 1 MiB.
 */
final class GcLog {

    private static final Pattern PAUSE = Pattern.compile(
            "GC\\(\\d+\\) (Pause .*?) (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\) ([\\d.]+)ms");

    /** What the pauses of one stretch of the log say. Heap figures in MiB, -1 without any pause. */
    record Figures(int pauses, int fullPauses, long peakBeforeMib, long maxAfterMib, long lastAfterMib,
                   double pauseMillis) {
    }

    private final Path file;
    private long offset;

    GcLog(Path file) {
        this.file = file;
    }

    /** The JVM option that writes this log. */
    String jvmOption() {
        return "-Xlog:gc:file=" + file;
    }

    /** From now on, {@link #sinceMark} reads only the lines written after this call. */
    void mark() throws IOException {
        offset = Files.exists(file) ? Files.size(file) : 0;
    }

    /** The pauses logged since {@link #mark} (or since the start, without one). */
    Figures sinceMark() throws IOException {
        return read(offset);
    }

    /** The pauses of the whole log. */
    Figures all() throws IOException {
        return read(0);
    }

    private Figures read(long from) throws IOException {
        if (!Files.exists(file)) {
            return new Figures(0, 0, -1, -1, -1, 0);
        }
        byte[] bytes;
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            bytes = new byte[(int) Math.max(0, length - from)];
            in.seek(from);
            in.readFully(bytes);
        }
        int pauses = 0;
        int full = 0;
        long peakBefore = -1;
        long maxAfter = -1;
        long lastAfter = -1;
        double pauseMillis = 0;
        Matcher m = PAUSE.matcher(new String(bytes, StandardCharsets.UTF_8));
        while (m.find()) {
            pauses++;
            full += m.group(1).startsWith("Pause Full") ? 1 : 0;
            long before = mib(m.group(2), m.group(3));
            long after = mib(m.group(4), m.group(5));
            peakBefore = Math.max(peakBefore, before);
            maxAfter = Math.max(maxAfter, after);
            lastAfter = after;
            pauseMillis += Double.parseDouble(m.group(8));
        }
        return new Figures(pauses, full, peakBefore, maxAfter, lastAfter, pauseMillis);
    }

    private static long mib(String value, String unit) {
        long n = Long.parseLong(value);
        return switch (unit) {
            case "K" -> n / 1024;
            case "G" -> n * 1024;
            default -> n;
        };
    }
}
