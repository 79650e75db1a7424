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
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;

import io.windowgate.notification.NotificationIntake;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Opens dropped CSV files (SPEC section 4). A first streaming pass checks that the whole file is UTF-8 CSV with a usable
 * header and fingerprints its content, so an unreadable file is refused before any row is sent; the rows are then
 * streamed by {@link CsvDropFile}. Nothing holds the whole file in memory.
 */
public final class CsvDropReader {

    private static final int HEADER_SCAN_LIMIT = 64 * 1024;

    private final Path doneDir;

    public CsvDropReader(String dropDir) {
        this.doneDir = Path.of(dropDir).resolve(".done");
    }

    public CsvDropFile open(File file) throws UnreadableCsvException, IOException {
        Path path = file.toPath();
        char delimiter = detectDelimiter(path);
        String fingerprint = verify(path, delimiter);
        Path rejected = doneDir.resolve(file.getName() + ".rejected.csv");
        Files.deleteIfExists(rejected); // left from an earlier drop of a file with this name
        return new CsvDropFile(path, delimiter, fingerprint, rejected);
    }

    /** The rows of an opened file, for the csv-drop-ingest splitter. */
    public Iterator<CsvRow> rows(CsvDropFile file) throws IOException {
        return file.rows();
    }

    /** Counts a row's intake outcome; a rejected row goes to the rejected-rows file. */
    public void record(CsvDropFile file, CsvRow row, NotificationIntake.Result result) throws IOException {
        file.record(row, result);
    }

    public void close(CsvDropFile file) throws IOException {
        if (file != null) {
            file.close();
        }
    }

    /** The reason an unreadable file was refused, without the wrapping of the bean call that found it. */
    public String reason(Exception exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof UnreadableCsvException unreadable) {
                return unreadable.getMessage();
            }
        }
        return exception.getMessage();
    }

    /** Reads the whole file once: strict UTF-8, RFC 4180 structure, a header naming the needed columns. */
    private static String verify(Path path, char delimiter) throws UnreadableCsvException, IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), sha256);
             CSVParser parser = parser(reader(in), delimiter)) {
            boolean header = false;
            for (CSVRecord record : parser) {
                if (!header && !isBlank(record)) {
                    new CsvLayout(record.toList());
                    header = true;
                }
            }
            if (!header) {
                throw new UnreadableCsvException("the file is empty: it needs a header row naming the columns "
                        + "(e.g. id,to,text,template,language) and one row per notification");
            }
            in.transferTo(OutputStream.nullOutputStream()); // the digest must see every byte, even after the last record
        } catch (CharacterCodingException e) {
            throw new UnreadableCsvException("the file is not UTF-8 text: save or export it as 'CSV UTF-8'", e);
        } catch (UncheckedIOException e) {
            throw unreadable(e.getCause());
        } catch (IllegalStateException e) {
            throw new UnreadableCsvException("the file is not valid CSV: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static UnreadableCsvException unreadable(IOException cause) {
        if (cause instanceof CharacterCodingException) {
            return new UnreadableCsvException("the file is not UTF-8 text: save or export it as 'CSV UTF-8'", cause);
        }
        return new UnreadableCsvException("the file is not valid CSV: " + cause.getMessage(), cause);
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
            throw new UnreadableCsvException("the file is not UTF-8 text: save or export it as 'CSV UTF-8'", e);
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
