package io.windowgate.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;

import io.windowgate.notification.NotificationIntake;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * One dropped file being processed: streams its rows, writes rejected rows (with line number and reason) to
 * {@code .done/<file>.rejected.csv}, and counts what became of each row. The rejected file keeps the original columns,
 * so it can be corrected and dropped again (its extra 'line' and 'reason' columns are ignored).
 */
public final class CsvDropFile implements Closeable {

    private final Path path;
    private final char delimiter;
    private final String fingerprint;
    private final Path rejectedPath;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private CSVParser parser;
    private CsvLayout layout;
    private CSVPrinter rejectedOut;

    CsvDropFile(Path path, char delimiter, String fingerprint, Path rejectedPath) {
        this.path = path;
        this.delimiter = delimiter;
        this.fingerprint = fingerprint;
        this.rejectedPath = rejectedPath;
    }

    public String name() {
        return path.getFileName().toString();
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
                    List<String> values = record.toList();
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

    /** Counts the intake outcome of a row; a rejected row is also written to the rejected-rows file. */
    public synchronized void record(CsvRow row, NotificationIntake.Result result) throws IOException {
        switch (result.outcome()) {
            case ACCEPTED -> accepted.incrementAndGet();
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
            Writer writer = Files.newBufferedWriter(rejectedPath, StandardCharsets.UTF_8);
            rejectedOut = new CSVPrinter(writer, CSVFormat.RFC4180.builder().setDelimiter(delimiter).get());
            List<String> header = new ArrayList<>(List.of("line", "reason"));
            header.addAll(layout.header());
            rejectedOut.printRecord(header);
        }
        List<String> out = new ArrayList<>(List.of(Long.toString(row.line()), reason));
        out.addAll(row.values());
        rejectedOut.printRecord(out);
    }

    /** One line for the log: what became of the file's rows. */
    public String summary() {
        return name() + ": " + rows.get() + " rows, " + accepted.get() + " accepted, " + duplicates.get()
                + " duplicates, " + rejected.get() + " rejected"
                + (rejected.get() > 0 ? " (see .done/" + rejectedPath.getFileName() + ")" : "");
    }

    public long rejectedRows() {
        return rejected.get();
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (rejectedOut != null) {
                rejectedOut.close(true);
            }
        } finally {
            if (parser != null) {
                parser.close();
            }
        }
    }
}
