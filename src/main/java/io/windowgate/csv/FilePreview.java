package io.windowgate.csv;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.windowgate.notification.DispatchPolicy;
import io.windowgate.notification.DispatchPolicy.Decision;
import io.windowgate.notification.Notification;
import io.windowgate.notification.NotificationValidator;
import io.windowgate.ops.OperationsApi.BadRequestException;
import io.windowgate.store.CostLedgerStore.Estimate;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.template.TemplatePolicy;
import io.windowgate.template.TemplatePolicy.Verdict;
import io.windowgate.template.UsageLedger;

/**
 * POST /api/files/preview: what a CSV would do if it were dropped now, row by row, without sending or storing
 * anything. Each row goes through the same checks as a drop: validation, the id already accepted, sendAt, the window of
 * its (business number, customer), the template rules, and the cost estimate of the send. The file is read as a
 * stream from a temporary copy and the answer is written to another, so a large file costs no more memory than a drop.
 *
 * <p>Not seen by the preview: an id repeated within the file (the drop reports the second as a duplicate), and an
 * opt-in given by the file's own {@code opt_in} column when {@code optin.required} is on (the drop records it first).
 */
public final class FilePreview {

    private final NotificationValidator validator;
    private final NotificationStore notifications;
    private final SessionWindowStore windows;
    private final DispatchPolicy dispatch;
    private final TemplatePolicy templates;
    private final UsageLedger usage;
    private final Clock clock;
    private final JsonFactory json = new JsonFactory();

    public FilePreview(NotificationValidator validator, NotificationStore notifications, SessionWindowStore windows,
            DispatchPolicy dispatch, TemplatePolicy templates, UsageLedger usage, Clock clock) {
        this.validator = validator;
        this.notifications = notifications;
        this.windows = windows;
        this.dispatch = dispatch;
        this.templates = templates;
        this.usage = usage;
        this.clock = clock;
    }

    /** One row's outcome and, for a send, its estimated pricing category. */
    private record Outcome(String outcome, String route, String reason, Estimate estimate) {
    }

    /**
     * {@code {"rows": [{"line", "id", "to", "outcome", "route", "reason"}...], "totals": {...}, "estimatedCost":
     * {"<category>": {"messages", "billable"}}}}, as a stream the caller closes (its temporary file goes with it).
     */
    public InputStream preview(byte[] csv) throws BadRequestException, IOException, SQLException {
        if (csv == null || csv.length == 0) {
            throw new BadRequestException("the body is empty: send the CSV file as the drop folder would take it, "
                    + "with Content-Type: text/csv");
        }
        Path input = Files.createTempFile("windowgate-preview-", ".csv");
        Path output = Files.createTempFile("windowgate-preview-", ".json");
        try {
            Files.write(input, csv);
            try (CsvDropFile file = CsvDropReader.forPreview(input);
                 OutputStream out = Files.newOutputStream(output);
                 JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8)) {
                write(file, g);
            } catch (UnreadableCsvException e) {
                throw new BadRequestException("the file would be moved to .error/: " + e.getMessage());
            }
            return new DeletedOnClose(output);
        } catch (IOException | SQLException | BadRequestException | RuntimeException e) {
            Files.deleteIfExists(output);
            throw e;
        } finally {
            Files.deleteIfExists(input);
        }
    }

    private void write(CsvDropFile file, JsonGenerator g) throws IOException, SQLException {
        Map<String, Long> totals = new TreeMap<>();
        Map<String, long[]> costs = new TreeMap<>();
        g.writeStartObject();
        g.writeArrayFieldStart("rows");
        for (Iterator<CsvRow> rows = file.rows(); rows.hasNext();) {
            CsvRow row = rows.next();
            NotificationValidator.Result validation = validator.validate(row.request());
            Outcome outcome = validation.valid() ? outcome(validation.notification())
                    : new Outcome("REJECTED", null, validation.reason(), null);
            totals.merge(outcome.outcome(), 1L, Long::sum);
            if (outcome.estimate() != null) {
                long[] c = costs.computeIfAbsent(outcome.estimate().category(), k -> new long[2]);
                c[0]++;
                c[1] += outcome.estimate().billable() ? 1 : 0;
            }
            g.writeStartObject();
            g.writeNumberField("line", row.line());
            g.writeStringField("id", validation.valid() ? validation.notification().id() : row.request().id());
            g.writeStringField("to", validation.valid() ? validation.notification().to() : row.request().to());
            g.writeStringField("outcome", outcome.outcome());
            g.writeStringField("route", outcome.route());
            g.writeStringField("reason", outcome.reason());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("rowCount", file.totalRows());
        g.writeObjectFieldStart("totals");
        for (Map.Entry<String, Long> e : totals.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("estimatedCost");
        for (Map.Entry<String, long[]> e : costs.entrySet()) {
            g.writeObjectFieldStart(e.getKey());
            g.writeNumberField("messages", e.getValue()[0]);
            g.writeNumberField("billable", e.getValue()[1]);
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /** What dispatch would do with this notification now, by the same rules and in the same order. */
    private Outcome outcome(Notification n) throws SQLException {
        if (notifications.find(n.id()) != null) {
            return new Outcome("DUPLICATE", null, "id " + n.id() + " was already accepted: nothing would be sent",
                    null);
        }
        Instant now = clock.instant();
        if (n.sendAt() != null && n.sendAt().isAfter(now)) {
            return new Outcome("SCHEDULED", null, "not before " + n.sendAt(), null);
        }
        Instant lastInboundAt = windows.lastInboundAt(n.sender(), n.to());
        Decision decision = dispatch.decide(n, lastInboundAt);
        return switch (decision) {
            case SESSION -> new Outcome("SESSION", "session", null, usage.estimate("session", lastInboundAt, null));
            case TEMPLATE -> {
                Verdict verdict = templates.check(n);
                yield switch (verdict.action()) {
                    case SEND -> new Outcome("TEMPLATE", "template", null,
                            usage.estimate("template", lastInboundAt, verdict.category()));
                    case HOLD -> new Outcome("HELD", null, verdict.reason(), null);
                    case REJECT -> new Outcome("REJECTED", null, verdict.reason(), null);
                };
            }
            case HOLD -> new Outcome("HELD", null, "window closed and no template given: held until the customer "
                    + "writes in", null);
            case REJECT -> new Outcome("REJECTED", null, "window closed and no template given "
                    + "(window.closed-without-template=reject)", null);
        };
    }

    /** The answer's temporary file, removed once it has been read out. */
    private static final class DeletedOnClose extends FileInputStream {
        private final Path path;

        DeletedOnClose(Path path) throws IOException {
            super(path.toFile());
            this.path = path;
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                Files.deleteIfExists(path);
            }
        }
    }
}
