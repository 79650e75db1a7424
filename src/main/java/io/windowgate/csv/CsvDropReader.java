package io.windowgate.csv;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.windowgate.notification.Notification;
import io.windowgate.notification.NotificationIntake;
import io.windowgate.notification.NotificationRequest;
import io.windowgate.notification.Status;
import io.windowgate.store.DropFileStore;
import io.windowgate.text.Excerpt;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.codec.digest.DigestUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens dropped CSV files. A first streaming pass checks that the whole file is UTF-8 CSV with a usable
 * header and fingerprints its content, so an unreadable file is refused before any row is sent; the rows are then
 * streamed by {@link CsvDropFile}. Nothing holds the whole file in memory.
 * <p>
 * Each file's progress (rows read, sent, held, rejected...) is written to the database about once a second for
 * GET /api/files, and logged every {@code drop.progress-interval} with the rate and the estimated time left.
 */
public final class CsvDropReader {

    /** Names of the CSV attachments the email source saves into the drop folder. */
    public static final String MAIL_PREFIX = "mail-";
    private static final Logger LOG = LoggerFactory.getLogger(CsvDropReader.class);
    private static final int HEADER_SCAN_LIMIT = 64 * 1024;
    private static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);

    private final Path doneDir;
    private final DropFileStore runs;
    private final Clock clock;
    private final Duration logInterval;

    public CsvDropReader(String dropDir, DropFileStore runs, Clock clock, Duration logInterval) {
        this.doneDir = Path.of(dropDir).resolve(".done");
        this.runs = runs;
        this.clock = clock;
        this.logInterval = logInterval;
    }

    /** Checks the whole file, then starts its run (visible in GET /api/files) and returns it ready to stream. */
    public CsvDropFile open(File file) throws UnreadableCsvException, IOException, SQLException {
        refuseReservedName(file.getName());
        Path path = file.toPath();
        char delimiter = detectDelimiter(path);
        Verified verified = verify(path, delimiter);
        Path rejected = doneDir.resolve(file.getName() + ".rejected.csv");
        Files.deleteIfExists(rejected); // left from an earlier drop of a file with this name
        Instant now = clock.instant();
        CsvDropFile drop = new CsvDropFile(path, delimiter, verified.fingerprint(), verified.rows(), rejected, now);
        drop.runId(runs.start(drop.name(), drop.source(), drop.totalRows()));
        drop.nextFlushAt = now.plus(FLUSH_INTERVAL);
        drop.nextLogAt = now.plus(logInterval);
        LOG.info("Processing {} file {}: {} rows", drop.source(), drop.name(), drop.totalRows());
        return drop;
    }

    /**
     * A file to look at without sending or storing anything (the preview): checked like a dropped one, read the same
     * way, with no run in GET /api/files and no rejected-rows report.
     */
    public static CsvDropFile forPreview(Path path) throws UnreadableCsvException, IOException {
        char delimiter = detectDelimiter(path);
        Verified verified = verify(path, delimiter);
        return new CsvDropFile(path, delimiter, verified.fingerprint(), verified.rows(), null, Instant.EPOCH);
    }

    /**
     * Names starting with '.' are hidden: those of Windowgate's own folders (.done/, .error/) and of the temporary
     * files other programs write before renaming them (rsync's .orders.csv.Xy12ab, say). The consumer hands over such
     * a file only when its name ends in .csv and it has not changed for drop.stable-ms, as any dropped file, so it is
     * not one being written: refusing it moves it to .error/ with a reason, where it would otherwise wait unseen.
     */
    private static void refuseReservedName(String name) throws UnreadableCsvException {
        if (!name.startsWith(".")) {
            return;
        }
        String reserved = "file names starting with '.' are reserved for Windowgate's own folders and temporary files";
        if (name.startsWith("._")) {
            throw new UnreadableCsvException(reserved + "; this one looks like the macOS metadata (AppleDouble) of "
                    + Excerpt.of(name.substring(2)) + " that a Mac writes beside a copied file: delete it");
        }
        String unhidden = name.replaceFirst("^\\.+", "");
        throw new UnreadableCsvException(reserved + ": rename it" + (unhidden.length() > ".csv".length()
                ? " to " + Excerpt.of(unhidden) : ", e.g. to orders.csv"));
    }

    /** The rows of an opened file, for the csv-drop-ingest splitter. */
    public Iterator<CsvRow> rows(CsvDropFile file) throws IOException {
        return file.rows();
    }

    /** The rows of the file in chunks of up to {@code size}, read as they are consumed (never the whole file). */
    public Iterator<List<CsvRow>> chunks(CsvDropFile file, int size) throws IOException {
        Iterator<CsvRow> rows = file.rows();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public List<CsvRow> next() {
                List<CsvRow> chunk = new ArrayList<>(size);
                while (chunk.size() < size && rows.hasNext()) {
                    chunk.add(rows.next());
                }
                return chunk;
            }
        };
    }

    /** The notification requests of a chunk's rows, in order. */
    public List<NotificationRequest> requests(List<CsvRow> chunk) {
        return chunk.stream().map(CsvRow::request).toList();
    }

    /** A row of a chunk that was stored and is to be sent now, with its intake result. */
    public record Pending(CsvRow row, NotificationIntake.Result result) {
    }

    /** The notification a pending row sends (for the route, which does not call accessors in expressions). */
    public Notification notificationOf(Pending pending) {
        return pending.result().notification();
    }

    /** Until when the outbox claim its row was stored with holds. */
    public Instant claimedUntilOf(Pending pending) {
        return pending.result().claimedUntil();
    }

    /**
     * Records the rows of a chunk that are not sent now (rejected, duplicate, scheduled), in file order, and returns the
     * others grouped by recipient, each group in file order: the groups are sent in parallel, a recipient's rows one
     * after another so that they do not overtake each other.
     */
    public Collection<List<Pending>> recordAndGroup(CsvDropFile file, List<CsvRow> chunk,
            List<NotificationIntake.Result> results) throws IOException, SQLException {
        Map<String, List<Pending>> byRecipient = new LinkedHashMap<>();
        for (int i = 0; i < chunk.size(); i++) {
            NotificationIntake.Result result = results.get(i);
            if (result.dispatchNow()) {
                byRecipient.computeIfAbsent(result.notification().to(), to -> new ArrayList<>())
                        .add(new Pending(chunk.get(i), result));
            } else {
                record(file, chunk.get(i), result, null);
            }
        }
        return byRecipient.values();
    }

    /**
     * Counts what became of a row (intake outcome, and the status its dispatch left); a rejected row goes to the
     * rejected-rows file. Writes the figures to the database and logs progress when their interval has passed.
     */
    public void record(CsvDropFile file, Pending sent, Status dispatched) throws IOException, SQLException {
        record(file, sent.row(), sent.result(), dispatched);
    }

    /** {@link #record(CsvDropFile, Pending, Status)} for a row with its intake result. */
    public void record(CsvDropFile file, CsvRow row, NotificationIntake.Result result, Status dispatched)
            throws IOException, SQLException {
        file.record(row, result, dispatched);
        Instant now = clock.instant();
        boolean flush = false;
        boolean log = false;
        synchronized (file) {
            if (!now.isBefore(file.nextFlushAt)) {
                file.nextFlushAt = now.plus(FLUSH_INTERVAL);
                flush = true;
            }
            if (!now.isBefore(file.nextLogAt)) {
                file.nextLogAt = now.plus(logInterval);
                log = true;
            }
        }
        if (flush) {
            runs.update(file.snapshot("RUNNING", null, now));
        }
        if (log) {
            LOG.info("Progress of {}", file.progress(now));
        }
    }

    /**
     * Every row of the file was read and stored, and csv-chunk-send has sent every chunk: the run ends DONE. Should the
     * sending of a chunk have failed (the database went away, say), that failure is thrown instead: the run ends
     * ABORTED and the file stays for a retry.
     */
    public void completed(CsvDropFile file) throws Exception {
        Exception failure = file.sendFailure();
        if (failure != null) {
            throw failure;
        }
        file.completed();
    }

    /** csv-chunk-send could not finish a chunk: the first such failure is kept for {@link #completed}. */
    public void sendFailed(CsvDropFile file, Exception failure) {
        LOG.warn("Sending a chunk of {} failed ({}); its other rows went on, and the file stays for a retry",
                file.name(), failure.toString());
        file.sendFailed(failure);
    }

    /**
     * Ends a file's run: DONE with its final figures, or ABORTED when processing stopped early (the file stays in the
     * folder and is retried; rows already accepted are then duplicates).
     */
    public void close(CsvDropFile file) throws IOException, SQLException {
        if (file == null) {
            return;
        }
        try {
            file.close();
        } finally {
            Instant now = clock.instant();
            if (file.isCompleted()) {
                runs.update(file.snapshot("DONE", null, now));
                LOG.info("Finished {}", file.summary());
            } else {
                runs.update(file.snapshot("ABORTED", "processing stopped before the end of the file; it stays in the "
                        + "folder and is retried (see the log for the cause)", now));
                LOG.warn("Stopped processing {} before its end; it stays in the folder and is retried. So far: {}",
                        file.name(), file.summary());
            }
        }
    }

    /** Records a file that cannot be read as CSV (it moves to .error/) and returns the reason for its reason file. */
    public String unreadable(String fileName, Exception exception) throws SQLException {
        String reason = reason(exception);
        runs.unreadable(fileName, sourceOf(fileName), reason);
        return reason;
    }

    /** Where a file in the drop folder came from: a mail's CSV attachment (saved as mail-*.csv) or a drop. */
    static String sourceOf(String fileName) {
        return fileName.startsWith(MAIL_PREFIX) ? "mail" : "drop";
    }

    /** The reason an unreadable file was refused, without the wrapping of the bean call that found it. */
    private static String reason(Exception exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof UnreadableCsvException unreadable) {
                return unreadable.getMessage();
            }
        }
        return exception.getMessage();
    }

    /** What the first pass found: the content's SHA-256 and the number of data rows. */
    private record Verified(String fingerprint, long rows) {
    }

    /** Reads the whole file once: strict UTF-8, RFC 4180 structure, a header naming the needed columns. */
    private static Verified verify(Path path, char delimiter) throws UnreadableCsvException, IOException {
        MessageDigest sha256 = DigestUtils.getSha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), sha256);
             CSVParser parser = parser(reader(in), delimiter)) {
            boolean header = false;
            long rows = 0;
            for (CSVRecord record : parser) {
                if (isBlank(record)) {
                    continue;
                }
                if (header) {
                    rows++;
                } else {
                    new CsvLayout(values(record));
                    header = true;
                }
            }
            if (!header) {
                throw new UnreadableCsvException("the file is empty: it needs a header row naming the columns "
                        + "(e.g. id,to,text,template,language) and one row per notification");
            }
            in.transferTo(OutputStream.nullOutputStream()); // the digest must see every byte, even after the last record
            return new Verified(HexFormat.of().formatHex(sha256.digest()), rows);
        } catch (CharacterCodingException e) {
            throw notUtf8(e);
        } catch (UncheckedIOException e) {
            throw unreadable(e.getCause());
        } catch (IllegalStateException e) {
            throw new UnreadableCsvException("the file is not valid CSV: " + e.getMessage(), e);
        }
    }

    private static UnreadableCsvException unreadable(IOException cause) {
        if (cause instanceof CharacterCodingException) {
            return notUtf8(cause);
        }
        return new UnreadableCsvException("the file is not valid CSV: " + cause.getMessage(), cause);
    }

    private static UnreadableCsvException notUtf8(IOException cause) {
        return new UnreadableCsvException("the file is not UTF-8 text: save or export it as 'CSV UTF-8'", cause);
    }

    /**
     * Picks the delimiter from the header row: the most frequent of ',', ';' and tab outside quotes (spreadsheet exports
     * differ by locale). A header without any of them has a single column, so ',' is as good as any.
     */
    static char detectDelimiter(Path path) throws UnreadableCsvException, IOException {
        int commas = 0;
        int semicolons = 0;
        int tabs = 0;
        boolean quoted = false;
        boolean content = false;
        try (BufferedReader reader = reader(Files.newInputStream(path))) {
            for (int i = 0, c; i < HEADER_SCAN_LIMIT && (c = reader.read()) != -1; i++) {
                if (c == '"') {
                    quoted = !quoted;
                } else if (!quoted && (c == '\n' || c == '\r')) {
                    if (content) {
                        break; // end of the header row; blank lines before it are skipped
                    }
                } else if (!quoted) {
                    content |= !Character.isWhitespace(c);
                    commas += c == ',' ? 1 : 0;
                    semicolons += c == ';' ? 1 : 0;
                    tabs += c == '\t' ? 1 : 0;
                }
            }
        } catch (CharacterCodingException e) {
            throw notUtf8(e);
        }
        if (semicolons > commas && semicolons >= tabs) {
            return ';';
        }
        return tabs > commas && tabs > semicolons ? '\t' : ',';
    }

    /** A strict UTF-8 reader that skips a leading byte order mark. */
    static BufferedReader reader(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 64 * 1024);
        in.mark(3);
        byte[] bom = in.readNBytes(3);
        if (!(bom.length == 3 && (bom[0] & 0xFF) == 0xEF && (bom[1] & 0xFF) == 0xBB && (bom[2] & 0xFF) == 0xBF)) {
            in.reset();
        }
        Reader decoder = new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
        return new BufferedReader(decoder, 64 * 1024);
    }

    static CSVParser parser(Reader reader, char delimiter) throws IOException {
        return CSVFormat.RFC4180.builder()
                .setDelimiter(delimiter)
                .setIgnoreEmptyLines(false) // keeps the parser's line count equal to the file's physical lines
                .get()
                .parse(reader);
    }

    /** The cells of a record as the file means them ({@link FormulaCells#restored}). */
    static List<String> values(CSVRecord record) {
        List<String> values = new ArrayList<>(record.size());
        for (String value : record) {
            values.add(FormulaCells.restored(value));
        }
        return values;
    }

    /** A blank line, or a row of empty cells only (spreadsheets export cleared rows as ";;;"). */
    static boolean isBlank(CSVRecord record) {
        for (String value : record) {
            if (!value.isBlank()) {
                return false;
            }
        }
        return true;
    }

}
