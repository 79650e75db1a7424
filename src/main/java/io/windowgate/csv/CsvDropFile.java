package io.windowgate.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;

import io.windowgate.notification.NotificationIntake;
import io.windowgate.notification.Status;
import io.windowgate.store.DropFileRecord;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.QuoteMode;

/**
 * One dropped file being processed: streams its rows, writes rejected rows (with line number and reason) to
 * {@code .done/<file>.rejected.csv}, and counts what became of each row (the progress figures of GET /api/files).
 * The rejected file keeps the original columns, so it can be corrected and dropped again (its extra 'line' and
 * 'reason' columns are ignored); cells a spreadsheet would run as a formula are written as text
 * ({@link FormulaCells}), and read back as they were.
 */
public final class CsvDropFile implements Closeable {

    private final Path path;
    private final char delimiter;
    private final String fingerprint;
    private final Path rejectedPath;
    private final long totalRows;
    private final Instant startedAt;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong scheduled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private long runId;
    private boolean completed;
    private Exception sendFailure;
    /** When the reader next writes the figures to the database, and next logs a progress line. */
    Instant nextFlushAt;
    Instant nextLogAt;
    private Instant previousProgressAt;
    private long previousProgressRows;
    private CSVParser parser;
    private CsvLayout layout;
    private Writer rejectedOut;
    private CSVFormat rejectedFormat;
    private CSVFormat rejectedFormulaFormat;

    CsvDropFile(Path path, char delimiter, String fingerprint, long totalRows, Path rejectedPath, Instant startedAt) {
        this.path = path;
        this.delimiter = delimiter;
        this.fingerprint = fingerprint;
        this.totalRows = totalRows;
        this.rejectedPath = rejectedPath;
        this.startedAt = startedAt;
    }

    public String name() {
        return path.getFileName().toString();
    }

    /** Where the file came from: a mail's CSV attachment or the drop folder. */
    public String source() {
        return CsvDropReader.sourceOf(name());
    }

    /** The data rows of the file (blank rows not counted), known before the first row is sent. */
    public long totalRows() {
        return totalRows;
    }

    void runId(long runId) {
        this.runId = runId;
    }

    /** Every row was read and handled: the run ends DONE rather than ABORTED. */
    void completed() {
        completed = true;
    }

    boolean isCompleted() {
        return completed;
    }

    /** Keeps the first failure of a chunk's sending (csv-chunk-send's thread). */
    synchronized void sendFailed(Exception failure) {
        if (sendFailure == null) {
            sendFailure = failure;
        }
    }

    synchronized Exception sendFailure() {
        return sendFailure;
    }

    /** The data rows, streamed; the iterator is consumed once by the csv-drop-ingest splitter. */
    public Iterator<CsvRow> rows() throws IOException {
        if (parser != null) {
            throw new IllegalStateException("rows of " + name() + " are already being read");
        }
        parser = CsvDropReader.parser(CsvDropReader.reader(Files.newInputStream(path)), delimiter);
        Iterator<CSVRecord> records = parser.iterator();
        String idPrefix = "csv-" + fingerprint.substring(0, 16) + "-";
        return new Iterator<>() {
            private long lineAfterPrevious = 0;
            private CsvRow next;

            @Override
            public boolean hasNext() {
                while (next == null && records.hasNext()) {
                    CSVRecord record = records.next();
                    long line = lineAfterPrevious + 1;
                    lineAfterPrevious = parser.getCurrentLineNumber();
                    if (CsvDropReader.isBlank(record)) {
                        continue;
                    }
                    List<String> values = CsvDropReader.values(record);
                    if (layout == null) {
                        layout = header(values);
                        continue;
                    }
                    rows.incrementAndGet();
                    next = new CsvRow(line, values, layout.request(values, idPrefix + line, "csv"));
                }
                return next != null;
            }

            @Override
            public CsvRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                CsvRow row = next;
                next = null;
                return row;
            }
        };
    }

    private static CsvLayout header(List<String> values) {
        try {
            return new CsvLayout(values);
        } catch (UnreadableCsvException e) {
            // the first pass accepted this header; the file changed underneath us
            throw new IllegalStateException("header of the file changed while it was processed: " + e.getMessage(), e);
        }
    }

    /**
     * Counts what became of a row: its intake outcome, and for an accepted row the status its dispatch left (null if
     * it was not dispatched). A rejected row is also written to the rejected-rows file.
     */
    public synchronized void record(CsvRow row, NotificationIntake.Result result, Status dispatched)
            throws IOException {
        switch (result.outcome()) {
            case ACCEPTED -> {
                accepted.incrementAndGet();
                Status status = result.status() == Status.SCHEDULED ? Status.SCHEDULED : dispatched;
                if (status != null) {
                    switch (status) {
                        case SENT, DELIVERED, READ -> sent.incrementAndGet();
                        case HELD -> held.incrementAndGet();
                        case SCHEDULED -> scheduled.incrementAndGet();
                        case FAILED, REJECTED, EXPIRED -> failed.incrementAndGet();
                        default -> { }
                    }
                }
            }
            case DUPLICATE -> duplicates.incrementAndGet();
            case REJECTED -> {
                rejected.incrementAndGet();
                writeRejected(row, result.reason());
            }
        }
    }

    private void writeRejected(CsvRow row, String reason) throws IOException {
        if (rejectedOut == null) {
            Files.createDirectories(rejectedPath.getParent());
            rejectedOut = Files.newBufferedWriter(rejectedPath, StandardCharsets.UTF_8);
            rejectedFormat = CSVFormat.RFC4180.builder().setDelimiter(delimiter).get();
            rejectedFormulaFormat = rejectedFormat.builder().setQuoteMode(QuoteMode.ALL).get();
            List<String> header = new ArrayList<>(List.of("line", "reason"));
            header.addAll(layout.header());
            printRejected(header);
        }
        List<String> out = new ArrayList<>(List.of(Long.toString(row.line()), reason));
        out.addAll(row.values());
        printRejected(out);
    }

    /** A record of the rejected-rows file; a formula cell is neutralised and, as OWASP advises, always quoted. */
    private void printRejected(List<String> cells) throws IOException {
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            CSVFormat format = FormulaCells.isFormula(cell) ? rejectedFormulaFormat : rejectedFormat;
            format.print(FormulaCells.neutralised(cell), rejectedOut, i == 0);
        }
        rejectedFormat.println(rejectedOut);
    }

    /** One line for the log: what became of the file's rows. */
    public String summary() {
        return name() + ": " + rows.get() + " rows, " + accepted.get() + " accepted (" + sent.get() + " sent, "
                + held.get() + " held, " + scheduled.get() + " scheduled, " + failed.get() + " failed), "
                + duplicates.get() + " duplicates, " + rejected.get() + " rejected"
                + (rejected.get() > 0 ? " (see .done/" + rejectedPath.getFileName() + ")" : "");
    }

    /**
     * A progress line for the log: rows read of the total, outcomes, the rate since the previous line (since the start
     * for the first one, so JIT warm-up does not inflate later estimates) and the estimated time left at that rate.
     */
    public synchronized String progress(Instant now) {
        long read = rows.get();
        Instant since = previousProgressAt != null ? previousProgressAt : startedAt;
        long readSince = read - previousProgressRows;
        double seconds = Math.max(0.001, Duration.between(since, now).toMillis() / 1000.0);
        double rate = readSince / seconds;
        previousProgressAt = now;
        previousProgressRows = read;
        String eta = rate <= 0 ? "unknown" : Math.round((totalRows - read) / rate) + " s";
        return String.format(java.util.Locale.ROOT, "%s: %d/%d rows (%d%%), %d sent, %d held, %d scheduled, "
                + "%d rejected, %d duplicates, %d failed, %.0f rows/s, ETA %s", name(), read, totalRows,
                totalRows == 0 ? 100 : read * 100 / totalRows, sent.get(), held.get(), scheduled.get(), rejected.get(),
                duplicates.get(), failed.get(), rate, eta);
    }

    /** The figures of this run as stored for GET /api/files. */
    public DropFileRecord snapshot(String status, String reason, Instant now) {
        return new DropFileRecord(runId, name(), source(), status, totalRows, rows.get(), accepted.get(),
                duplicates.get(), rejected.get(), sent.get(), held.get(), scheduled.get(), failed.get(), reason,
                startedAt, now, "RUNNING".equals(status) ? null : now);
    }

    public long rejectedRows() {
        return rejected.get();
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (rejectedOut != null) {
                rejectedOut.close();
            }
        } finally {
            if (parser != null) {
                parser.close();
            }
        }
    }
}
