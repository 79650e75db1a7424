package io.windowgate.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.NotificationIntake;
import io.windowgate.notification.NotificationIntake.Outcome;
import io.windowgate.notification.NotificationRequest;
import io.windowgate.MutableClock;
import io.windowgate.notification.NotificationValidator;
import io.windowgate.store.DropFileRecord;
import io.windowgate.store.DropFileStore;
import io.windowgate.store.TestDatabase;
import io.windowgate.notification.Status;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading dropped CSV files: format detection, RFC 4180, line numbers, ids and rejected rows. */
class CsvDropReaderTest {

    private static final String TO = "+14155550123";

    @TempDir
    Path drop;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:00:00Z"));
    private TestDatabase database;
    private DropFileStore runs;

    @BeforeEach
    void openDatabase() {
        database = TestDatabase.hsqldb();
        database.migrate();
        runs = new DropFileStore(database.dataSource(), clock);
    }

    @AfterEach
    void closeDatabase() throws Exception {
        database.close();
    }

    private CsvDropReader reader() {
        return new CsvDropReader(drop.toString(), runs, clock, Duration.ofSeconds(10));
    }

    private Path write(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(drop.resolve(name), content);
    }

    private List<CsvRow> rowsOf(String content) throws Exception {
        return rowsOf(write("drop.csv", content));
    }

    private List<CsvRow> rowsOf(Path file) throws Exception {
        try (CsvDropFile opened = reader().open(file.toFile())) {
            List<CsvRow> rows = new ArrayList<>();
            opened.rows().forEachRemaining(rows::add);
            return rows;
        }
    }

    private UnreadableCsvException unreadable(byte[] content) {
        Path file;
        try {
            file = write("bad.csv", content);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return org.junit.jupiter.api.Assertions.assertThrows(UnreadableCsvException.class,
                () -> reader().open(file.toFile()));
    }

    private UnreadableCsvException unreadable(String content) {
        return unreadable(content.getBytes(StandardCharsets.UTF_8));
    }

    private static List<Long> lines(List<CsvRow> rows) {
        return rows.stream().map(CsvRow::line).toList();
    }

    // --- delimiters, BOM, header -------------------------------------------------------------------------------

    @Test
    void commaDelimiterIsDetected() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,text\na-1," + TO + ",hello there\n");
        assertThat(rows).singleElement().satisfies(row -> {
            assertThat(row.values()).containsExactly("a-1", TO, "hello there");
            assertThat(row.request().id()).isEqualTo("a-1");
            assertThat(row.request().to()).isEqualTo(TO);
            assertThat(row.request().text()).isEqualTo("hello there");
            assertThat(row.request().source()).isEqualTo("csv");
        });
    }

    @Test
    void semicolonDelimiterIsDetected() throws Exception {
        List<CsvRow> rows = rowsOf("id;to;text\na-1;" + TO + ";Hello, Ana\n");
        assertThat(rows).singleElement().satisfies(row -> {
            assertThat(row.values()).containsExactly("a-1", TO, "Hello, Ana");
            assertThat(row.request().text()).isEqualTo("Hello, Ana");
        });
    }

    @Test
    void tabDelimiterIsDetected() throws Exception {
        List<CsvRow> rows = rowsOf("id\tto\ttext\na-1\t" + TO + "\tHello, Ana; see you\n");
        assertThat(rows).singleElement().satisfies(row -> {
            assertThat(row.values()).containsExactly("a-1", TO, "Hello, Ana; see you");
            assertThat(row.request().text()).isEqualTo("Hello, Ana; see you");
        });
    }

    @Test
    void delimiterInsideAQuotedHeaderNameDoesNotCount() throws Exception {
        List<CsvRow> rows = rowsOf("id;to;text;\"notes, comments, remarks\"\na-1;" + TO + ";hi;x, y\n");
        assertThat(rows).singleElement().satisfies(row -> assertThat(row.request().text()).isEqualTo("hi"));
    }

    @Test
    void utf8ByteOrderMarkIsAccepted() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        bytes.write(("id,to,text\nbom-1," + TO + ",Grüße 👋\n").getBytes(StandardCharsets.UTF_8));
        List<CsvRow> rows = rowsOf(write("bom.csv", bytes.toByteArray()));
        assertThat(rows).singleElement().satisfies(row -> {
            assertThat(row.request().id()).isEqualTo("bom-1");
            assertThat(row.request().text()).isEqualTo("Grüße 👋");
            assertThat(row.line()).isEqualTo(2);
        });
    }

    @Test
    void headerNamesAreCaseInsensitiveInAnyOrderAndUnknownColumnsAreIgnored() throws Exception {
        List<CsvRow> rows = rowsOf("Notes,LANGUAGE,Text,To,Template,Id,Category,SEND_AT,Colour\n"
                + "n,en_US,hi," + TO + ",order_shipped,x-1,utility,2026-12-01T09:00:00Z,blue\n");
        NotificationRequest request = rows.get(0).request();
        assertThat(request.id()).isEqualTo("x-1");
        assertThat(request.to()).isEqualTo(TO);
        assertThat(request.text()).isEqualTo("hi");
        assertThat(request.templateName()).isEqualTo("order_shipped");
        assertThat(request.templateLanguage()).isEqualTo("en_US");
        assertThat(request.category()).isEqualTo("utility");
        assertThat(request.sendAt()).isEqualTo("2026-12-01T09:00:00Z");
        assertThat(request.malformed()).isNull();
    }

    @Test
    void headerNamesAreTrimmed() throws Exception {
        List<CsvRow> rows = rowsOf(" id , to ,text \na-1," + TO + ",hi\n");
        assertThat(rows.get(0).request().id()).isEqualTo("a-1");
        assertThat(rows.get(0).request().to()).isEqualTo(TO);
    }

    // --- RFC 4180 and line numbers -----------------------------------------------------------------------------

    @Test
    void quotedFieldsMayHoldDelimitersAndDoubledQuotes() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,text\nq-1," + TO + ",\"Hello, \"\"Ana\"\"; your order, 123\"\n");
        assertThat(rows.get(0).request().text()).isEqualTo("Hello, \"Ana\"; your order, 123");
        assertThat(rows.get(0).values()).hasSize(3);
    }

    @Test
    void rowAfterAMultiLineFieldReportsItsPhysicalLineWithLf() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,text\n"
                + "m-1," + TO + ",\"line one\nline two\nline three\"\n"
                + "m-2," + TO + ",plain\n");
        assertThat(rows.get(0).request().text()).isEqualTo("line one\nline two\nline three");
        assertThat(lines(rows)).containsExactly(2L, 5L);
    }

    @Test
    void rowAfterAMultiLineFieldReportsItsPhysicalLineWithCrLf() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,text\r\n"
                + "m-1," + TO + ",\"line one\r\nline two\r\nline three\"\r\n"
                + "m-2," + TO + ",plain\r\n"
                + "m-3," + TO + ",\"a\r\nb\"\r\n"
                + "m-4," + TO + ",last");
        assertThat(rows.get(0).request().text()).isEqualTo("line one\r\nline two\r\nline three");
        assertThat(rows.get(3).request().text()).isEqualTo("last");
        assertThat(lines(rows)).containsExactly(2L, 5L, 6L, 8L);
    }

    @Test
    void blankLinesAreSkippedButCounted() throws Exception {
        List<CsvRow> rows = rowsOf("\n\nid,to,text\n\nb-1," + TO + ",one\n\n   \n\nb-2," + TO + ",two\n\n");
        assertThat(rows).extracting(row -> row.request().id()).containsExactly("b-1", "b-2");
        assertThat(lines(rows)).containsExactly(5L, 9L);
    }

    @Test
    void rowsOfEmptyCellsCountAsBlankLines() throws Exception {
        List<CsvRow> rows = rowsOf("id;to;text\n;;\ne-1;" + TO + ";one\n ; ;\n");
        assertThat(rows).extracting(row -> row.request().id()).containsExactly("e-1");
        assertThat(lines(rows)).containsExactly(3L);
    }

    @Test
    void blankLinesWithCrLfAreCounted() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,text\r\n\r\nb-1," + TO + ",one\r\n\r\nb-2," + TO + ",two\r\n");
        assertThat(lines(rows)).containsExactly(3L, 5L);
    }

    @Test
    void rowWithMoreFieldsThanTheHeaderIsMalformed() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,text\nx-1," + TO + ",Hello, Ana\nx-2," + TO + ",fine\n");
        assertThat(rows.get(0).request().malformed())
                .contains("row has 4 fields but the header has 3 columns");
        assertThat(rows.get(1).request().malformed()).isNull();
        assertThat(new NotificationValidator("US").validate(rows.get(0).request()).reason())
                .contains("row has 4 fields");
    }

    @Test
    void shortRowsLeaveTheMissingCellsEmpty() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,text,template,language,param1\ns-1," + TO + ",hi\n");
        NotificationRequest request = rows.get(0).request();
        assertThat(request.malformed()).isNull();
        assertThat(request.text()).isEqualTo("hi");
        assertThat(request.templateName()).isNull();
        assertThat(request.templateLanguage()).isNull();
        assertThat(request.positionalParams()).isEmpty();
        assertThat(rows.get(0).values()).containsExactly("s-1", TO, "hi");
    }

    @Test
    void emptyCellsAreAbsentValues() throws Exception {
        NotificationRequest request = rowsOf("id,to,text,template,language\ne-1," + TO + ",,order_shipped,en\n")
                .get(0).request();
        assertThat(request.text()).isNull();
        assertThat(request.templateName()).isEqualTo("order_shipped");
    }

    // --- template parameters ----------------------------------------------------------------------------------

    @Test
    void positionalParamsDropTrailingEmptyCells() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,template,language,param1,param2,param3\n"
                + "p-1," + TO + ",order_shipped,en_US,123,,\n"
                + "p-2," + TO + ",order_shipped,en_US,123,Tuesday,\n"
                + "p-3," + TO + ",order_shipped,en_US,,,\n");
        assertThat(rows.get(0).request().positionalParams()).containsExactly("123");
        assertThat(rows.get(1).request().positionalParams()).containsExactly("123", "Tuesday");
        assertThat(rows.get(2).request().positionalParams()).isEmpty();
    }

    @Test
    void positionalParamsFollowTheirNumberNotTheColumnOrder() throws Exception {
        NotificationRequest request = rowsOf("id,to,template,language,PARAM2,Param1\n"
                + "p-1," + TO + ",order_shipped,en_US,second,first\n").get(0).request();
        assertThat(request.positionalParams()).containsExactly("first", "second");
    }

    @Test
    void positionalGapIsKeptSoValidationRejectsIt() throws Exception {
        NotificationRequest request = rowsOf("id,to,template,language,param1,param2,param3\n"
                + "g-1," + TO + ",order_shipped,en_US,a,,c\n").get(0).request();
        assertThat(request.positionalParams()).containsExactly("a", "", "c");
        assertThat(new NotificationValidator("US").validate(request).reason())
                .contains("template parameter 2 is empty");
    }

    @Test
    void missingPositionalColumnIsAGap() throws Exception {
        NotificationRequest request = rowsOf("id,to,template,language,param1,param3\n"
                + "g-2," + TO + ",order_shipped,en_US,a,c\n").get(0).request();
        assertThat(request.positionalParams()).containsExactly("a", "", "c");
    }

    @Test
    void namedParamsComeFromParamColonColumns() throws Exception {
        NotificationRequest request = rowsOf("id,to,template,language,param:first_name,PARAM:order_id,param:note\n"
                + "n-1," + TO + ",order_shipped,en_US,Ana,1001,\n").get(0).request();
        assertThat(request.namedParams()).containsExactly(Map.entry("first_name", "Ana"), Map.entry("order_id", "1001"));
        assertThat(request.positionalParams()).isEmpty();
        assertThat(new NotificationValidator("US").validate(request).valid()).isTrue();
    }

    // --- derived ids ------------------------------------------------------------------------------------------

    @Test
    void withoutAnIdColumnIdsDeriveFromTheContentHashAndLine() throws Exception {
        String content = "to,text\n" + TO + ",one\n\n" + TO + ",two\n";
        Path file = write("noid.csv", content);
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        List<CsvRow> rows = rowsOf(file);
        assertThat(rows).extracting(row -> row.request().id())
                .containsExactly("csv-" + hash.substring(0, 16) + "-2", "csv-" + hash.substring(0, 16) + "-4");
        assertThat(rows.get(0).request().id()).matches("csv-[0-9a-f]{16}-2");
    }

    @Test
    void identicalBytesGiveIdenticalIdsAndDifferentContentDifferentIds() throws Exception {
        String content = "to,text\n" + TO + ",one\n" + TO + ",two\n";
        List<String> first = ids(rowsOf(write("monday.csv", content)));
        List<String> again = ids(rowsOf(write("monday-again.csv", content)));
        List<String> changed = ids(rowsOf(write("tuesday.csv", content.replace("two", "three"))));
        assertThat(again).isEqualTo(first);
        assertThat(changed).hasSize(2).doesNotContainAnyElementsOf(first);
    }

    @Test
    void anIdColumnWinsOverTheDerivedId() throws Exception {
        assertThat(ids(rowsOf("to,id,text\n" + TO + ",given-1,one\n" + TO + ",,two\n")))
                .containsExactly("given-1", null);
    }

    private static List<String> ids(List<CsvRow> rows) {
        return rows.stream().map(row -> row.request().id()).toList();
    }

    // --- unreadable files -------------------------------------------------------------------------------------

    @Test
    void aNameStartingWithADotIsRefusedWithTheNameToUseInstead() throws Exception {
        String content = "id,to,text\na," + TO + ",hi\n";
        assertThat(catchThrowableOfType(UnreadableCsvException.class,
                () -> reader().open(write(".orders.csv", content).toFile())).getMessage())
                .isEqualTo("file names starting with '.' are reserved for Windowgate's own folders and temporary "
                        + "files: rename it to orders.csv");
        assertThat(catchThrowableOfType(UnreadableCsvException.class,
                () -> reader().open(write("...orders.CSV", content).toFile())).getMessage())
                .endsWith(": rename it to orders.CSV");
        assertThat(catchThrowableOfType(UnreadableCsvException.class,
                () -> reader().open(write(".csv", content).toFile())).getMessage())
                .endsWith(": rename it, e.g. to orders.csv");
        assertThat(catchThrowableOfType(UnreadableCsvException.class,
                () -> reader().open(write("._orders.csv", content).toFile())).getMessage())
                .contains("reserved").contains("macOS").contains("orders.csv").contains("delete it");
        assertThat(runs.latest(".orders.csv")).isNull();
    }

    @Test
    void emptyFileIsUnreadable() {
        assertThat(unreadable("").getMessage()).contains("empty").contains("header row");
        assertThat(unreadable("\n\r\n  \n").getMessage()).contains("empty");
        assertThat(unreadable(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}).getMessage()).contains("empty");
    }

    @Test
    void headerWithoutToIsUnreadable() {
        assertThat(unreadable("id,phone,text\na,b,c\n").getMessage())
                .contains("no 'to' column").contains("id, phone, text");
    }

    @Test
    void dataRowInPlaceOfTheHeaderIsUnreadable() {
        assertThat(unreadable(TO + ",hello\n").getMessage()).contains("no 'to' column");
    }

    @Test
    void headerWithNeitherTextNorTemplateIsUnreadable() {
        assertThat(unreadable("id,to,language\na," + TO + ",en\n").getMessage())
                .contains("neither a 'text' nor a 'template' column");
    }

    @Test
    void duplicateColumnIsUnreadable() {
        assertThat(unreadable("id,to,text,ID\na," + TO + ",hi,b\n").getMessage())
                .contains("column 'ID' appears twice");
        assertThat(unreadable("id,to,template,language,param1,param01\n").getMessage())
                .contains("column 'param01' appears twice");
        assertThat(unreadable("id,to,template,language,param:name,param:name\n").getMessage())
                .contains("column 'param:name' appears twice");
    }

    @Test
    void latin1BytesAreUnreadable() {
        byte[] latin1 = ("id,to,text\na," + TO + ",caf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(latin1).contains((byte) 0xE9);
        assertThat(unreadable(latin1).getMessage()).contains("not UTF-8").contains("CSV UTF-8");
    }

    @Test
    void invalidUtf8FarBeyondTheHeaderIsStillFoundBeforeAnyRowIsRead() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("id,to,text\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 5000; i++) {
            bytes.write(("r-" + i + "," + TO + ",fine row number " + i + "\n").getBytes(StandardCharsets.UTF_8));
        }
        bytes.write(("late," + TO + ",caf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1));
        assertThat(bytes.size()).isGreaterThan(200_000);
        assertThat(unreadable(bytes.toByteArray()).getMessage()).contains("not UTF-8");
    }

    @Test
    void unterminatedQuotedFieldIsUnreadable() {
        assertThat(unreadable("id,to,text\na," + TO + ",\"never closed\nb," + TO + ",more\n").getMessage())
                .contains("not valid CSV");
    }

    @Test
    void theReasonOfABinaryFileQuotesABoundedPrintableExcerpt() {
        String reason = unreadable(new byte[4096]).getMessage();
        assertThat(reason).contains("no 'to' column").contains("\\u0000").contains("…").doesNotContain("\u0000");
        assertThat(reason.length()).isLessThan(300);
    }

    @Test
    void aColumnNamedTwiceIsQuotedBounded() {
        String name = "param:" + "n".repeat(500);
        assertThat(unreadable("id,to,template,language," + name + "," + name + "\n").getMessage())
                .contains("column 'param:" + "n".repeat(74) + "…' appears twice").hasSizeLessThan(200);
    }

    @Test
    void textAfterAClosingQuoteIsUnreadable() {
        assertThat(unreadable("id,to,text\na," + TO + ",\"quoted\"tail\n").getMessage())
                .contains("not valid CSV");
    }

    // --- rejected rows and summary ----------------------------------------------------------------------------

    private static NotificationIntake.Result rejected(String reason) {
        return new NotificationIntake.Result(Outcome.REJECTED, null, Status.REJECTED, reason);
    }

    private static NotificationIntake.Result accepted(String id) {
        Notification n = new Notification(id, TO, "hi", null, Category.UTILITY, null, "csv");
        return new NotificationIntake.Result(Outcome.ACCEPTED, n, Status.QUEUED, null, Instant.parse("2026-03-10T12:01:00Z"));
    }

    private static NotificationIntake.Result duplicate(String id) {
        Notification n = new Notification(id, TO, "hi", null, Category.UTILITY, null, "csv");
        return new NotificationIntake.Result(Outcome.DUPLICATE, n, null, "id " + id + " was already accepted");
    }

    @Test
    void rejectedRowsGoToTheRejectedFileWithLineReasonAndOriginalValues() throws Exception {
        Path file = write("orders.csv", "id;to;text;notes\n"
                + "r-1;" + TO + ";\"multi\nline\";keep\n"
                + "r-2;not-a-phone;hello;x\n"
                + "r-3;" + TO + ";fine;y\n"
                + "\n"
                + "r-4;" + TO + ";again\n");
        CsvDropReader reader = reader();
        CsvDropFile opened = reader.open(file.toFile());
        try {
            Iterator<CsvRow> rows = reader.rows(opened);
            CsvRow r1 = rows.next();
            CsvRow r2 = rows.next();
            CsvRow r3 = rows.next();
            CsvRow r4 = rows.next();
            assertThat(rows.hasNext()).isFalse();
            assertThat(lines(List.of(r1, r2, r3, r4))).containsExactly(2L, 4L, 5L, 7L);
            reader.record(opened, r1, rejected("id is missing; recipient 'x' is not a phone number"), null);
            reader.record(opened, r2, rejected("recipient 'not-a-phone' is not a phone number"), null);
            reader.record(opened, r3, accepted("r-3"), Status.SENT);
            reader.record(opened, r4, duplicate("r-4"), null);
            assertThat(opened.rejectedRows()).isEqualTo(2);
            assertThat(opened.summary()).isEqualTo("orders.csv: 4 rows, 1 accepted (1 sent, 0 held, 0 scheduled, "
                    + "0 failed), 1 duplicates, 2 rejected (see .done/orders.csv.rejected.csv)");
        } finally {
            reader.close(opened);
        }

        Path rejectedFile = drop.resolve(".done").resolve("orders.csv.rejected.csv");
        assertThat(rejectedFile).exists();
        String raw = Files.readString(rejectedFile, StandardCharsets.UTF_8);
        assertThat(raw).startsWith("line;reason;id;to;text;notes\r\n");
        List<CSVRecord> records;
        try (Reader in = Files.newBufferedReader(rejectedFile, StandardCharsets.UTF_8)) {
            records = CSVFormat.RFC4180.builder().setDelimiter(';').get().parse(in).getRecords();
        }
        assertThat(records).hasSize(3);
        assertThat(records.get(0).toList()).containsExactly("line", "reason", "id", "to", "text", "notes");
        // a leading '+' is one of the characters a spreadsheet starts a formula with (see FormulaCells)
        assertThat(records.get(1).toList()).containsExactly("2", "id is missing; recipient 'x' is not a phone number",
                "r-1", "'" + TO, "multi\nline", "keep");
        assertThat(records.get(2).toList()).containsExactly("4", "recipient 'not-a-phone' is not a phone number",
                "r-2", "not-a-phone", "hello", "x");
    }

    /** Cells a spreadsheet would run as a formula (OWASP CSV Injection), and some it would not. */
    private static final List<String> FORMULAS = List.of("=HYPERLINK(\"http://evil.example\",\"click\")",
            "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tx", "\rx", " =1+1", "\"=1+1", "  '\t@x", TO);
    private static final List<String> HARMLESS = List.of("hello", "Ana O'Neil", "'quoted'", "a=b", "10-2", "");

    /** The rejected-rows file of a file whose rows all carry one of the cells in their text column. */
    private Path rejectedReportOf(String name, List<String> cells) throws Exception {
        StringBuilder content = new StringBuilder("id,to,text\n");
        for (String cell : cells) {
            content.append("r,nope,\"").append(cell.replace("\"", "\"\"")).append("\"\n");
        }
        try (CsvDropFile opened = reader().open(write(name, content.toString()).toFile())) {
            Iterator<CsvRow> rows = opened.rows();
            while (rows.hasNext()) {
                opened.record(rows.next(), rejected("recipient 'nope' is not a phone number"), null);
            }
        }
        return drop.resolve(".done").resolve(name + ".rejected.csv");
    }

    @Test
    void cellsASpreadsheetWouldRunAsAFormulaAreQuotedBehindAnApostropheAndReadBackAsTheOriginal() throws Exception {
        List<String> cells = new ArrayList<>(FORMULAS);
        cells.addAll(HARMLESS);
        Path report = rejectedReportOf("formulas.csv", cells);

        List<CSVRecord> records;
        try (Reader in = Files.newBufferedReader(report, StandardCharsets.UTF_8)) {
            records = CSVFormat.RFC4180.parse(in).getRecords();
        }
        List<String> expected = new ArrayList<>(FORMULAS.stream().map(cell -> "'" + cell).toList());
        expected.addAll(HARMLESS);
        assertThat(records.subList(1, records.size())).extracting(r -> r.get(4)).containsExactlyElementsOf(expected);
        assertThat(Files.readString(report, StandardCharsets.UTF_8))
                .contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"\r\n")
                .contains(",\"'+cmd|' /C calc'!A0\"\r\n").contains(",\"'-2+3\"\r\n").contains(",\"'@SUM(A1:A2)\"\r\n")
                .contains(",\"'" + TO + "\"\r\n").contains(",hello\r\n").contains(",a=b\r\n");

        List<CsvRow> again = rowsOf(write("formulas-fixed.csv", Files.readAllBytes(report)));
        assertThat(again).extracting(row -> row.values().get(4)).containsExactlyElementsOf(cells);
        assertThat(again).extracting(row -> row.request().to()).containsOnly("nope");
    }

    @Test
    void onlyOneApostropheBeforeAFormulaIsTakenAway() throws Exception {
        List<CsvRow> rows = rowsOf("id,to,text\n"
                + "a,'" + TO + ",'hello\n"
                + "b,''" + TO + ",'''=x\n");
        assertThat(rows.get(0).request().to()).isEqualTo(TO);
        assertThat(rows.get(0).request().text()).isEqualTo("'hello");
        assertThat(rows.get(1).request().to()).isEqualTo("'" + TO);
        assertThat(rows.get(1).request().text()).isEqualTo("''=x");
    }

    @Test
    void rejectedFileKeepsATabDelimiter() throws Exception {
        Path file = write("tabs.csv", "id\tto\ttext\nt-1\tnope\thi\n");
        CsvDropReader reader = reader();
        try (CsvDropFile opened = reader.open(file.toFile())) {
            CsvRow row = opened.rows().next();
            opened.record(row, rejected("recipient 'nope' is not a phone number"), null);
        }
        assertThat(Files.readAllLines(drop.resolve(".done/tabs.csv.rejected.csv"), StandardCharsets.UTF_8))
                .containsExactly("line\treason\tid\tto\ttext", "2\trecipient 'nope' is not a phone number\tt-1\tnope\thi");
    }

    @Test
    void staleRejectedFileFromAnEarlierDropIsDeletedOnOpen() throws Exception {
        Path done = Files.createDirectories(drop.resolve(".done"));
        Path stale = Files.writeString(done.resolve("orders.csv.rejected.csv"), "line,reason,id\n9,old,x\n");
        Path file = write("orders.csv", "id,to,text\no-1," + TO + ",hi\n");
        try (CsvDropFile opened = reader().open(file.toFile())) {
            assertThat(stale).doesNotExist();
            CsvRow row = opened.rows().next();
            opened.record(row, accepted("o-1"), Status.HELD);
            assertThat(opened.summary()).isEqualTo("orders.csv: 1 rows, 1 accepted (0 sent, 1 held, 0 scheduled, "
                    + "0 failed), 0 duplicates, 0 rejected");
        }
        assertThat(stale).doesNotExist();
    }

    @Test
    void rowsCanBeReadOnlyOnce() throws Exception {
        Path file = write("once.csv", "id,to,text\no-1," + TO + ",hi\n");
        try (CsvDropFile opened = reader().open(file.toFile())) {
            assertThat(opened.name()).isEqualTo("once.csv");
            opened.rows();
            assertThatThrownBy(opened::rows).isInstanceOf(IllegalStateException.class).hasMessageContaining("once.csv");
        }
    }

    @Test
    void sampleFileFromTheReadmeIsRead() throws Exception {
        byte[] sample;
        try (InputStream in = CsvDropReaderTest.class.getResourceAsStream("/samples/orders.csv")) {
            assertThat(in).as("samples/orders.csv on the test classpath").isNotNull();
            sample = in.readAllBytes();
        }
        Path file = write("orders.csv", sample);
        List<CsvRow> rows = rowsOf(file);
        NotificationValidator validator = new NotificationValidator("US");
        assertThat(ids(rows)).containsExactly("demo-001", "demo-002", "demo-003", "demo-004", "demo-005");
        assertThat(lines(rows)).containsExactly(2L, 3L, 4L, 5L, 6L);
        assertThat(rows).extracting(row -> validator.validate(row.request()).valid())
                .containsExactly(true, true, true, true, false);
        assertThat(validator.validate(rows.get(3).request()).notification().to()).isEqualTo("+14155550103");
        assertThat(validator.validate(rows.get(0).request()).notification().template().positionalParams())
                .containsExactly("1001", "Tuesday");
    }

    @Test
    void progressIsStoredWhileRunningAndFinalWhenDone() throws Exception {
        Path file = write("progress.csv", "id,to,text\np-1," + TO + ",a\np-2," + TO + ",b\np-3,nope,c\n");
        CsvDropReader reader = reader();
        CsvDropFile opened = reader.open(file.toFile());
        DropFileRecord started = runs.latest("progress.csv");
        assertThat(started.status()).isEqualTo("RUNNING");
        assertThat(started.totalRows()).isEqualTo(3);
        assertThat(started.rowsRead()).isZero();

        Iterator<CsvRow> rows = reader.rows(opened);
        reader.record(opened, rows.next(), accepted("p-1"), Status.SENT);
        clock.advance(Duration.ofSeconds(2)); // past the one-second flush interval
        reader.record(opened, rows.next(), accepted("p-2"), Status.HELD);
        DropFileRecord running = runs.latest("progress.csv");
        assertThat(running.status()).isEqualTo("RUNNING");
        assertThat(running.rowsRead()).isEqualTo(2);
        assertThat(running.sent()).isEqualTo(1);
        assertThat(running.held()).isEqualTo(1);
        assertThat(opened.progress(clock.instant())).isEqualTo("progress.csv: 2/3 rows (66%), 1 sent, 1 held, "
                + "0 scheduled, 0 rejected, 0 duplicates, 0 failed, 1 rows/s, ETA 1 s");

        clock.advance(Duration.ofSeconds(4));
        reader.record(opened, rows.next(), rejected("recipient 'nope' is not a phone number"), null);
        // the rate is taken since the previous line: 1 row in 4 s (0.25/s), not 3 rows in 6 s (0.5/s, printed as 1)
        assertThat(opened.progress(clock.instant())).endsWith("3/3 rows (100%), 1 sent, 1 held, 0 scheduled, "
                + "1 rejected, 0 duplicates, 0 failed, 0 rows/s, ETA 0 s");
        reader.completed(opened);
        reader.close(opened);

        DropFileRecord done = runs.latest("progress.csv");
        assertThat(done.status()).isEqualTo("DONE");
        assertThat(done.source()).isEqualTo("drop");
        assertThat(List.of(done.rowsRead(), done.accepted(), done.sent(), done.held(), done.rejected()))
                .containsExactly(3L, 2L, 1L, 1L, 1L);
        assertThat(done.finishedAt()).isEqualTo(clock.instant());
    }

    @Test
    void aRunThatStopsBeforeTheEndIsAbortedAndARetryStartsANewRun() throws Exception {
        Path file = write("mail-0123456789ab-list.csv", "id,to,text\nq-1," + TO + ",a\nq-2," + TO + ",b\n");
        CsvDropReader reader = reader();
        CsvDropFile first = reader.open(file.toFile());
        reader.record(first, reader.rows(first).next(), accepted("q-1"), Status.SENT);
        reader.close(first); // never completed: the split failed
        DropFileRecord aborted = runs.latest(first.name());
        assertThat(aborted.status()).isEqualTo("ABORTED");
        assertThat(aborted.source()).isEqualTo("mail");
        assertThat(aborted.reason()).contains("retried");

        clock.advance(Duration.ofSeconds(30));
        CsvDropFile retry = reader.open(file.toFile());
        assertThat(runs.latest(first.name()).runId()).isNotEqualTo(aborted.runId());
        assertThat(runs.latest(first.name()).status()).isEqualTo("RUNNING");
        reader.close(retry);
    }

    @Test
    void anUnreadableFileIsRecordedWithItsReason() throws Exception {
        Path file = write("empty.csv", "");
        UnreadableCsvException refused = catchThrowableOfType(UnreadableCsvException.class,
                () -> reader().open(file.toFile()));
        assertThat(reader().unreadable("empty.csv", refused)).startsWith("the file is empty");
        DropFileRecord error = runs.latest("empty.csv");
        assertThat(error.status()).isEqualTo("ERROR");
        assertThat(error.reason()).startsWith("the file is empty");
        assertThat(error.totalRows()).isNull();
    }
}
