package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import io.windowgate.whatsapp.WebhookSignature;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Throws generated bad input at the running entrances (CRM push, the signed WhatsApp webhook, the CSV drop folder),
 * interleaved with good notifications, and checks what must hold for any input:
 * <ul>
 * <li>no 5xx for an input fault: every CRM push and webhook answer is 2xx or 4xx (a 5xx tells the caller to send the
 * same bytes again, forever);</li>
 * <li>no hang: every HTTP call has a 10 s timeout, and every dropped file reaches {@code .done/} or {@code .error/};</li>
 * <li>a reason for every refusal: a 4xx CRM push answer carries a non-empty JSON {@code error}, a 4xx webhook answer a
 * non-empty body (JSON {@code error} when it says it is JSON), each rejected item a non-empty {@code reason}, each file
 * in {@code .error/} a non-empty {@code .reason.txt}, and in a file that was read every row is accounted for
 * (accepted, duplicate or rejected) and every rejected row is in {@code .rejected.csv} with a non-empty reason;</li>
 * <li>a badly signed webhook is 401 and stores nothing (its senders' windows stay unopened);</li>
 * <li>no good notification lost: each good one sent among the bad ones is sent exactly once and ends SENT;</li>
 * <li>nothing secret in the log: no canary secret, and no full phone number of a good or bad item, only masked.</li>
 * </ul>
 * The cases come from a {@link Random} with a fixed seed (override with {@code -Dbadinput.seed=N}); every failure names
 * the seed, the case and an excerpt of its input, so it can be replayed.
 */
class BadInputRouteTest extends RouteTestSupport {

    private static final long SEED = Long.getLong("badinput.seed", 0x5EEDL);
    private static final int CRM_CASES = 180;
    private static final int WEBHOOK_CASES = 120;
    private static final int CSV_CASES = 36;
    private static final int MAX_BATCH = 20;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(60);

    // distinctive, so that a leak is found by plain search and names the property that leaked
    private static final String CRM_TOKEN = "canary-crm-7Qx2Lm9Z";
    private static final String ADMIN = "canary-admin-K4v8Rt1W";
    private static final String APP_SECRET_CANARY = "canary-appsecret-P3n6Hd0Y";
    private static final String ACCESS_CANARY = "canary-access-B5j1Fs7U";
    private static final String VERIFY_CANARY = "canary-verify-M2c9Ge4T";
    private static final List<String> CANARIES = List.of(CRM_TOKEN, ADMIN, APP_SECRET_CANARY, ACCESS_CANARY,
            VERIFY_CANARY);

    /** Recipients of signed bodies and of all CRM and CSV items (libphonenumber-valid US numbers). */
    private static final List<String> PHONES = List.of("+14155550100", "+14155550123", "+14155550145", "+14155550167",
            "+12025550173", "+13125550188", "+16175550129");
    /** Senders of badly signed webhooks only: none of them may ever get a window. */
    private static final List<String> UNSIGNED_SENDERS = List.of("+14155550191", "+14155550193", "+14155550197");

    private static final LogLines log = new LogLines();

    private final HttpClient client = OpenApiContract.checking(HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT)
            .build());
    private final Random random = new Random(SEED);
    private final List<String> violations = new ArrayList<>();
    private final List<String> goodIds = new ArrayList<>();
    private final Map<String, String> counts = new LinkedHashMap<>();

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("crm.api-token", CRM_TOKEN);
        p.setProperty("admin.api-token", ADMIN);
        p.setProperty("whatsapp.app-secret", APP_SECRET_CANARY);
        p.setProperty("whatsapp.access-token", ACCESS_CANARY);
        p.setProperty("whatsapp.webhook.verify-token", VERIFY_CANARY);
        p.setProperty("crm.max-batch", Integer.toString(MAX_BATCH));
        p.setProperty("drop.batch-size", "5");
        return p;
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        // on the root logger, so that Camel's own lines (an unhandled exception, say) are read too
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(log, null, null);
        logging.updateLoggers();
        return super.useOverridePropertiesWithPropertiesComponent();
    }

    @AfterEach
    void stopCapture() {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().removeAppender(log.getName());
        logging.updateLoggers();
    }

    @Test
    void badInputIsRefusedWithAReasonAndGoodNotificationsStillGoOutOnce() throws Exception {
        Instant started = Instant.now();
        // the files first: the folder is read while the HTTP cases run
        List<String> files = dropCsvFiles();
        for (int i = 0; i < CRM_CASES; i++) {
            crmCase(i);
        }
        for (int i = 0; i < WEBHOOK_CASES; i++) {
            webhookCase(i);
        }
        checkFiles(files);
        checkGoodOnesSentOnce();
        checkUnsignedStoredNothing();
        checkLog();
        System.out.printf("BadInputRouteTest seed %d: %s, %d good notifications, %d s%n", SEED, counts,
                goodIds.size(), Duration.between(started, Instant.now()).toSeconds());
        assertThat(violations).as("seed %d (replay with -Dbadinput.seed=%d); cases run: %s", SEED, SEED, counts)
                .isEmpty();
    }

    // ---------------------------------------------------------------- CRM push

    private void crmCase(int n) throws Exception {
        if (n % 6 == 0) {
            goodPush(n);
            return;
        }
        String generator;
        byte[] body;
        String contentType = "application/json";
        String base = validPush("bad-crm-" + n);
        switch (random.nextInt(15)) {
            case 14 -> { generator = "long template parameter"; body = utf8(base.replaceFirst("\"params\":\\[\"",
                    "\"params\":[\"" + "p".repeat(pick(15_990, 16_100, 40_000, 99_000)))); }
            case 0 -> { generator = "truncated"; body = truncate(utf8(base)); }
            case 1 -> { generator = "byte flips"; body = flip(utf8(base)); }
            case 2 -> { generator = "inserted bytes"; body = insert(utf8(base)); }
            case 3 -> { generator = "deep nesting"; body = utf8(nest(base)); }
            case 4 -> { generator = "huge number"; body = utf8(replaceValue(base, hugeNumber())); }
            case 5 -> { generator = "duplicated key"; body = utf8(duplicateKey(base)); }
            case 6 -> { generator = "wrong type"; body = utf8(replaceValue(base, wrongType())); }
            case 7 -> { generator = "trailing garbage"; body = concat(utf8(base), garbage()); }
            case 8 -> { generator = "empty or bare"; body = utf8(pick("", " ", "\n", "null", "[]", "{}", "[{}]", "\"\"",
                    "[null]", "[[]]", "true", "0", "-", "\uFEFF")); }
            case 9 -> {
                generator = "wrong Content-Type";
                body = utf8(base);
                contentType = pick(null, "", "text/plain", "application/xml", "application/json; charset=latin1",
                        "application/json; charset=", "application/json;;", "multipart/form-data", "*/*",
                        "application/x-www-form-urlencoded", "application/json; charset=utf-16");
            }
            case 10 -> { generator = "long string"; body = utf8(replaceValue(base,
                    "\"" + "x".repeat(random.nextBoolean() ? 100_001 : 99_990 + random.nextInt(20)) + "\"")); }
            case 11 -> { generator = "too many items"; body = utf8(manyItems(n)); }
            case 12 -> { generator = "byte-order mark"; body = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                    utf8(base)); }
            default -> { generator = "random bytes"; body = randomBytes(1 + random.nextInt(300)); }
        }
        count("crm " + generator);
        HttpResponse<String> answer = send("/api/notifications", contentType, CRM_TOKEN, null, body);
        String at = "crm case " + n + " (" + generator + ", Content-Type " + contentType + ")";
        if (answer == null) {
            violation(at, "no answer within " + CALL_TIMEOUT.toSeconds() + " s", body);
            return;
        }
        checkCrmAnswer(at, answer, body);
    }

    private void checkCrmAnswer(String at, HttpResponse<String> answer, byte[] body) {
        int status = answer.statusCode();
        if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
            violation(at, "answered " + status + " " + answer.body(), body);
            return;
        }
        JsonNode json = readJson(answer.body());
        if (json == null) {
            violation(at, "answered " + status + " with a body that is not JSON: " + answer.body(), body);
            return;
        }
        if (status >= 400) {
            if (json.path("error").asText("").isBlank()) {
                violation(at, "answered " + status + " without a reason: " + answer.body(), body);
            }
            return;
        }
        for (JsonNode rejected : json.path("rejected")) {
            if (rejected.path("reason").asText("").isBlank()) {
                violation(at, "rejected an item without a reason: " + answer.body(), body);
            }
        }
    }

    /** A good notification on its own, or in one array with items that are each rejected. */
    private void goodPush(int n) throws Exception {
        String id = "good-crm-" + n;
        String good = item(id, true);
        String body;
        if (random.nextBoolean()) {
            body = good;
        } else {
            List<String> items = new ArrayList<>();
            items.add(good);
            for (int i = 0; i < 1 + random.nextInt(3); i++) {
                items.add(random.nextInt(items.size() + 1), replaceValue(item("bad-mixed-" + n + "-" + i, false),
                        wrongType()));
            }
            body = "[" + String.join(",", items) + "]";
        }
        count("crm good");
        goodIds.add(id);
        HttpResponse<String> answer = send("/api/notifications", "application/json", CRM_TOKEN, null, utf8(body));
        String at = "crm good case " + n;
        if (answer == null || answer.statusCode() != 202) {
            violation(at, answer == null ? "no answer" : "answered " + answer.statusCode() + " " + answer.body(),
                    utf8(body));
            return;
        }
        checkCrmAnswer(at, answer, utf8(body));
        JsonNode json = readJson(answer.body());
        if (json == null || !json.path("accepted").toString().contains("\"" + id + "\"")) {
            violation(at, "the good item was not accepted: " + answer.body(), utf8(body));
        }
    }

    private String validPush(String id) {
        if (random.nextInt(3) > 0) {
            return item(id, random.nextBoolean());
        }
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 1 + random.nextInt(3); i++) {
            items.add(item(id + "-" + i, random.nextBoolean()));
        }
        return "[" + String.join(",", items) + "]";
    }

    /** One notification that is sent as a template whatever the window (no window is opened for CRM recipients). */
    private String item(String id, boolean template) {
        String to = pick(PHONES.toArray(new String[0]));
        return template
                ? "{\"id\":\"" + id + "\",\"to\":\"" + to + "\",\"template\":{\"name\":\"order_shipped\","
                        + "\"language\":\"en_US\",\"params\":[\"" + random.nextInt(10_000) + "\",\"Tuesday\"]}}"
                : "{\"id\":\"" + id + "\",\"to\":\"" + to + "\",\"text\":\"Your order shipped\","
                        + "\"sendAt\":\"2099-01-01T00:00:00Z\"}";
    }

    private String manyItems(int n) {
        StringBuilder items = new StringBuilder("[");
        for (int i = 0; i <= MAX_BATCH; i++) {
            items.append(i == 0 ? "" : ",").append(item("bad-many-" + n + "-" + i, true));
        }
        return items.append("]").toString();
    }

    // ---------------------------------------------------------------- webhook

    private void webhookCase(int n) throws Exception {
        boolean signed = n % 4 != 0;
        String phone = pick((signed ? PHONES : UNSIGNED_SENDERS).toArray(new String[0]));
        String base = random.nextBoolean()
                ? new String(inboundMessages(phone.substring(1), minutesAgo(random.nextInt(120))),
                        StandardCharsets.UTF_8)
                : new String(statusUpdate("wamid.bad." + n, "bad-wh-" + n, pick("sent", "delivered", "read", "failed"),
                        random.nextBoolean() ? null : pick(131047, 131026, 130429, 1, -1)), StandardCharsets.UTF_8);
        String generator;
        byte[] body;
        String contentType = "application/json";
        switch (random.nextInt(12)) {
            case 11 -> { generator = "huge timestamp"; body = utf8(base.replaceFirst("\"timestamp\":\"[0-9]+\"",
                    "\"timestamp\":\"" + pick("99999999999999999", "9223372036854775807", "31556889864403200",
                            "-31557014167219201", "1" + "0".repeat(30)) + "\"")); }
            case 0 -> { generator = "truncated"; body = truncate(utf8(base)); }
            case 1 -> { generator = "byte flips"; body = flip(utf8(base)); }
            case 2 -> { generator = "inserted bytes"; body = insert(utf8(base)); }
            case 3 -> { generator = "deep nesting"; body = utf8(nest(base)); }
            case 4 -> { generator = "huge number"; body = utf8(replaceValue(base, pick(hugeNumber(),
                    "\"" + "9".repeat(12 + random.nextInt(30)) + "\"", "\"-" + "9".repeat(19) + "\"", "1e400"))); }
            case 5 -> { generator = "wrong type"; body = utf8(replaceValue(base, wrongType())); }
            case 6 -> { generator = "trailing garbage"; body = concat(utf8(base), garbage()); }
            case 7 -> { generator = "empty or bare"; body = utf8(pick("", "null", "[]", "{}", "{\"entry\":null}",
                    "{\"entry\":[null]}", "{\"entry\":[{\"changes\":[null]}]}", "{\"entry\":{}}", "\"x\"", "17")); }
            case 8 -> { generator = "other field"; body = utf8(base.replace("\"field\":\"messages\"", "\"field\":\""
                    + pick("message_template_status_update", "template_category_update", "user_preferences", "",
                            "x\\u0000") + "\"")); }
            case 9 -> { generator = "long string"; body = utf8(replaceValue(base,
                    "\"" + "7".repeat(1000 + random.nextInt(100_000)) + "\"")); }
            default -> {
                generator = "wrong Content-Type";
                body = utf8(base);
                contentType = pick(null, "text/plain", "application/json; charset=iso-8859-1",
                        "application/x-www-form-urlencoded");
            }
        }
        String signature = signed ? WebhookSignature.sign(APP_SECRET_CANARY, body) : badSignature(body);
        count("webhook " + (signed ? "signed " : "badly signed ") + generator);
        HttpResponse<String> answer = send("/webhooks/whatsapp", contentType, null, signature, body);
        String at = "webhook case " + n + " (" + (signed ? "signed" : "badly signed: " + signature) + ", "
                + generator + ", Content-Type " + contentType + ")";
        if (answer == null) {
            violation(at, "no answer within " + CALL_TIMEOUT.toSeconds() + " s", body);
            return;
        }
        int status = answer.statusCode();
        if (!signed && status != 401 && status != 415) {
            violation(at, "a badly signed webhook answered " + status + " " + answer.body(), body);
        } else if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
            violation(at, "answered " + status + " " + answer.body(), body);
        } else if (status >= 400) {
            boolean saysJson = answer.headers().firstValue("Content-Type").orElse("").contains("json");
            JsonNode json = saysJson ? readJson(answer.body()) : null;
            String reason = saysJson ? (json == null ? "" : json.path("error").asText("")) : answer.body();
            if (reason.isBlank()) {
                violation(at, "answered " + status + " without a reason: " + answer.body(), body);
            }
        }
    }

    private String badSignature(byte[] body) {
        return pick(null, "", "sha256=", "sha256=" + "0".repeat(64), "sha1=abc", "sha256=zz",
                WebhookSignature.sign(APP_SECRET_CANARY + "-other", body),
                WebhookSignature.sign(APP_SECRET_CANARY, concat(body, new byte[] {' '})),
                lastHexDigitChanged(WebhookSignature.sign(APP_SECRET_CANARY, body)));
    }

    /** The right signature with one hex digit wrong: the HMAC of nothing that was sent. */
    private static String lastHexDigitChanged(String signature) {
        char last = signature.charAt(signature.length() - 1);
        return signature.substring(0, signature.length() - 1) + (last == '0' ? '1' : '0');
    }

    // ---------------------------------------------------------------- CSV

    private List<String> dropCsvFiles() throws IOException {
        List<String> names = new ArrayList<>();
        for (int n = 0; n < CSV_CASES; n++) {
            if (n % 4 == 0) {
                String name = "good-" + n + ".csv";
                StringBuilder csv = new StringBuilder("id,to,template,language,param1\n");
                for (int r = 0; r < 2; r++) {
                    String id = "good-csv-" + n + "-" + r;
                    goodIds.add(id);
                    csv.append(id).append(',').append(pick(PHONES.toArray(new String[0])))
                            .append(",order_shipped,en_US,").append(r).append('\n');
                }
                count("csv good file");
                writeDrop(name, utf8(csv.toString()));
                names.add(name);
                continue;
            }
            String base = validCsv(n);
            String generator;
            byte[] content;
            String name = "bad-" + n + ".csv";
            switch (random.nextInt(15)) {
                case 0 -> { generator = "random quotes"; content = utf8(sprinkle(base, "\"", 1 + random.nextInt(4))); }
                case 1 -> { generator = "embedded NULs"; content = utf8(sprinkle(base, "\u0000", 1 + random.nextInt(4))); }
                case 2 -> { generator = "wrong delimiter"; content = utf8(base.replace(',', pick('\t', '|', ';', ' '))); }
                case 3 -> { generator = "ragged rows"; content = utf8(ragged(base)); }
                case 4 -> { generator = "byte-order mark"; content = concat(pick(new byte[] {(byte) 0xEF, (byte) 0xBB,
                        (byte) 0xBF}, new byte[] {(byte) 0xFF, (byte) 0xFE}, new byte[] {(byte) 0xFE, (byte) 0xFF}),
                        utf8(base)); }
                case 5 -> { generator = "very long cell"; content = utf8(base.replace("Tuesday",
                        "T".repeat(10_000 + random.nextInt(200_000)))); }
                case 6 -> { generator = "formula cells"; content = utf8(base.replace("Tuesday",
                        pick("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\"=HYPERLINK(\"\"http://x\"\")\"",
                                "\t=1", "\r=1")).replace(",order_shipped,", random.nextBoolean()
                                        ? ",order_shipped," : ",=order_shipped,")); }
                case 7 -> { generator = "invalid UTF-8"; content = insert(utf8(base)); }
                case 8 -> { generator = "header only"; content = utf8(base.substring(0, base.indexOf('\n') + 1)); }
                case 9 -> { generator = "empty file"; content = new byte[0]; }
                case 10 -> { generator = "truncated"; content = truncate(utf8(base)); }
                case 11 -> { generator = "byte flips"; content = flip(utf8(base)); }
                case 12 -> { generator = "dot name"; content = utf8(base); name = "." + name; }
                case 13 -> { generator = "line endings"; content = utf8(random.nextBoolean() ? base.replace("\n", "\r")
                        : base.replace("\n", "\r\n")); }
                default -> { generator = "random bytes"; content = randomBytes(random.nextInt(2000)); }
            }
            count("csv " + generator);
            writeDrop(name, content);
            names.add(name + "\u0000" + generator);
        }
        return names;
    }

    private String validCsv(int n) {
        StringBuilder csv = new StringBuilder(pick("id,to,template,language,param1,param2\n",
                "to,id,param1,template,param2,language\n"));
        boolean idFirst = csv.charAt(0) == 'i';
        for (int r = 0; r < 2 + random.nextInt(6); r++) {
            String id = "bad-csv-" + n + "-" + r;
            String to = r == 1 ? pick("12", "+1415", "not-a-number", "") : pick(PHONES.toArray(new String[0]));
            csv.append(idFirst ? id + "," + to + ",order_shipped,en_US," + r + ",Tuesday"
                    : to + "," + id + "," + r + ",order_shipped,Tuesday,en_US").append('\n');
        }
        return csv.toString();
    }

    private String ragged(String csv) {
        List<String> lines = new ArrayList<>(csv.lines().toList());
        int at = 1 + random.nextInt(lines.size() - 1);
        String line = lines.get(at);
        lines.set(at, random.nextBoolean() ? line + ",extra,cells" : line.substring(0, line.lastIndexOf(',')));
        return String.join("\n", lines) + "\n";
    }

    private void writeDrop(String name, byte[] content) throws IOException {
        Path tmp = dropDir.resolve(name + ".tmp");
        Files.write(tmp, content);
        Files.move(tmp, dropDir.resolve(name));
    }

    private void checkFiles(List<String> files) throws Exception {
        for (String entry : files) {
            String name = entry.contains("\u0000") ? entry.substring(0, entry.indexOf('\u0000')) : entry;
            String generator = entry.contains("\u0000") ? entry.substring(entry.indexOf('\u0000') + 1) : "good";
            Path done = dropDir.resolve(".done").resolve(name);
            Path error = dropDir.resolve(".error").resolve(name);
            Path reason = dropDir.resolve(".error").resolve(name + ".reason.txt");
            String at = "csv file " + name + " (" + generator + ")";
            byte[] content = Files.exists(dropDir.resolve(name)) ? Files.readAllBytes(dropDir.resolve(name)) : null;
            try {
                await().atMost(WAIT).until(() -> Files.exists(done) || (Files.exists(error) && Files.exists(reason)));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                violation(at, "neither in .done/ nor in .error/ with a reason after " + WAIT.toSeconds() + " s",
                        content == null ? new byte[0] : content);
                continue;
            }
            if (Files.exists(error)) {
                String text = Files.readString(reason);
                if (text.substring(Math.min(text.length(), name.length() + 1)).isBlank()) {
                    violation(at, "moved to .error/ with an empty reason: " + text, Files.readAllBytes(error));
                }
                if (generator.equals("good")) {
                    violation(at, "a good file moved to .error/: " + text, Files.readAllBytes(error));
                }
                continue;
            }
            checkRows(at, name, done);
        }
    }

    /** Every row of a file that was read is accepted, a duplicate or rejected, and every rejected one has a reason. */
    private void checkRows(String at, String name, Path done) throws Exception {
        // the figures are written when the file is finished, a moment after the move
        JsonNode run;
        try {
            run = await().atMost(WAIT).until(() -> readJson(view("/api/files/" + name).body()),
                    r -> r != null && !"RUNNING".equals(r.path("status").asText()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            violation(at, "no finished run for a file in .done/", Files.readAllBytes(done));
            return;
        }
        long read = run.path("rowsRead").asLong();
        long accounted = run.path("accepted").asLong() + run.path("duplicates").asLong() + run.path("rejected").asLong();
        if (read != accounted) {
            violation(at, read + " rows read, " + accounted + " accounted for: " + run, Files.readAllBytes(done));
        }
        Path rejectedFile = done.resolveSibling(name + ".rejected.csv");
        long rejected = run.path("rejected").asLong();
        if (rejected == 0) {
            return;
        }
        if (!Files.exists(rejectedFile)) {
            violation(at, rejected + " rows rejected but no " + rejectedFile.getFileName(), Files.readAllBytes(done));
            return;
        }
        String report = Files.readString(rejectedFile);
        char delimiter = report.startsWith("line") && report.length() > 4 ? report.charAt(4) : ',';
        List<CSVRecord> records = CSVFormat.RFC4180.builder().setDelimiter(delimiter).setHeader()
                .setSkipHeaderRecord(true).get().parse(new StringReader(report)).getRecords();
        if (records.size() != rejected) {
            violation(at, rejected + " rows rejected, " + records.size() + " in the report", utf8(report));
        }
        for (CSVRecord record : records) {
            if (!record.isMapped("reason") || record.get("reason").isBlank()) {
                violation(at, "a rejected row without a reason: " + record, utf8(report));
            }
        }
    }

    // ---------------------------------------------------------------- end checks

    private void checkGoodOnesSentOnce() {
        try {
            await().atMost(WAIT).until(() -> goodIds.stream().allMatch(id -> statusOf(id) == Status.SENT));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported per id below
        }
        for (String id : goodIds) {
            long sends = sendsOf(id);
            if (statusOf(id) != Status.SENT || sends != 1) {
                violations.add("good notification " + id + ": status " + statusOf(id) + ", sent " + sends + " times");
            }
        }
    }

    private void checkUnsignedStoredNothing() throws java.sql.SQLException {
        for (String phone : UNSIGNED_SENDERS) {
            if (windows().lastInboundAt(phone) != null) {
                violations.add("a badly signed webhook opened the window of " + phone);
            }
        }
    }

    private void checkLog() {
        List<String> secrets = new ArrayList<>(CANARIES);
        for (String phone : concatLists(PHONES, UNSIGNED_SENDERS)) {
            secrets.add(phone);
            secrets.add(phone.substring(1)); // as WhatsApp writes it in webhooks
        }
        for (String line : log.lines) {
            for (String secret : secrets) {
                if (line.contains(secret)) {
                    violations.add("the log shows " + secret + ": " + shorten(line));
                }
            }
        }
        if (log.lines.isEmpty()) {
            violations.add("nothing was captured from the log: the capture is broken");
        }
    }

    // ---------------------------------------------------------------- generators

    private byte[] truncate(byte[] body) {
        return java.util.Arrays.copyOf(body, random.nextInt(body.length));
    }

    private byte[] flip(byte[] body) {
        byte[] out = body.clone();
        for (int i = 0; i < 1 + random.nextInt(5); i++) {
            out[random.nextInt(out.length)] ^= (byte) (1 + random.nextInt(255));
        }
        return out;
    }

    /** Inserts bytes that are not valid UTF-8, or escapes that are not valid UTF-16, at random points. */
    private byte[] insert(byte[] body) {
        byte[] out = body;
        for (int i = 0; i < 1 + random.nextInt(3); i++) {
            byte[] piece = pick(new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xFF},
                    new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, utf8("\\ud800"), utf8("\\udc00\\ud800"),
                    new byte[] {0}, new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0x80},
                    new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, randomBytes(1 + random.nextInt(4)));
            int at = random.nextInt(out.length + 1);
            out = concat(concat(java.util.Arrays.copyOf(out, at), piece),
                    java.util.Arrays.copyOfRange(out, at, out.length));
        }
        return out;
    }

    private String nest(String body) {
        int depth = pick(10, 999, 1000, 1001, 1500, 5000);
        boolean arrays = random.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String nested = open.repeat(depth) + "1" + close.repeat(depth);
        return random.nextBoolean() ? open.repeat(depth) + body + close.repeat(depth) : replaceValue(body, nested);
    }

    private String hugeNumber() {
        return pick("1".repeat(1000), "1".repeat(1001), "9".repeat(5000), "1e999999999", "-0.0e-99999",
                "1" + "0".repeat(400) + ".5", "18446744073709551616", "-9223372036854775809", "1e-400");
    }

    private String wrongType() {
        return pick("[]", "{}", "42", "-1.5", "true", "false", "null", "\"\"", "[\"a\",\"b\"]", "{\"x\":[{}]}",
                "\"\\u0000\"", "\"\\ud800\"", "\" \"", "[[[[[]]]]]");
    }

    /** Replaces the value of one random field (a string value, or a whole object or array of strings). */
    private String replaceValue(String body, String value) {
        List<int[]> spans = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "\"[a-zA-Z_]+\":(\"[^\"]*\"|\\{[^{}]*\\}|\\[[^\\[\\]]*\\]|-?[0-9]+)").matcher(body);
        while (m.find()) {
            spans.add(new int[] {m.start(1), m.end(1)});
        }
        if (spans.isEmpty()) {
            return body;
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        return body.substring(0, span[0]) + value + body.substring(span[1]);
    }

    private String duplicateKey(String body) {
        int at = body.indexOf('{');
        String key = pick("id", "to", "text", "template", "sendAt");
        return body.substring(0, at + 1) + "\"" + key + "\":" + pick("\"dup\"", "\"+14155550199\"", "{}", "[]", "1")
                + "," + body.substring(at + 1);
    }

    private byte[] garbage() {
        return pick(utf8(" x"), utf8("{}"), utf8("[1]"), utf8("\u0000"), utf8(",]"), utf8("}}}}"), utf8(" // c"),
                utf8("\n{\"id\":\"second\"}"), randomBytes(1 + random.nextInt(20)));
    }

    private String sprinkle(String text, String piece, int times) {
        StringBuilder out = new StringBuilder(text);
        for (int i = 0; i < times; i++) {
            out.insert(random.nextInt(out.length() + 1), piece);
        }
        return out.toString();
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    // ---------------------------------------------------------------- plumbing

    private HttpResponse<String> send(String path, String contentType, String bearer, String signature, byte[] body)
            throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(CALL_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (signature != null) {
            request.header("X-Hub-Signature-256", signature);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
    }

    /** GETs an operations view with the admin token. */
    private HttpResponse<String> view(String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).timeout(CALL_TIMEOUT)
                .header("Authorization", "Bearer " + ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode readJson(String text) {
        try {
            return text == null || text.isEmpty() ? null : json.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    private void violation(String at, String what, byte[] input) {
        violations.add(at + ": " + shorten(what) + "; input (" + input.length + " bytes): " + excerpt(input));
    }

    private void count(String kind) {
        counts.merge(kind, "1", (a, b) -> Integer.toString(Integer.parseInt(a) + 1));
    }

    /** The first 300 bytes, anything unprintable as \xNN, so that the case can be read and rebuilt. */
    private static String excerpt(byte[] input) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(input.length, 300); i++) {
            int b = input[i] & 0xFF;
            out.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02X", b));
        }
        return out.append(input.length > 300 ? "…" : "").toString();
    }

    private static String shorten(String text) {
        return text.length() > 400 ? text.substring(0, 400) + "…" : text;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static <T> List<T> concatLists(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Every log line, with the messages of its exception and their causes, which can carry input too. */
    static final class LogLines extends AbstractAppender {
        final List<String> lines = new CopyOnWriteArrayList<>();

        LogLines() {
            super("bad-input-test", null, null, true, Property.EMPTY_ARRAY);
            start();
        }

        @Override
        public void append(LogEvent event) {
            StringBuilder line = new StringBuilder(event.getLevel() + " " + event.getLoggerName() + " - "
                    + event.getMessage().getFormattedMessage());
            for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
                line.append(" | ").append(t);
            }
            lines.add(line.toString());
        }
    }
}
