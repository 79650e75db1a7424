package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

/**
 * The figures behind the business gauges on /observe/metrics, read set-based: one indexed query per gauge family, none
 * per message. Counts cover the notifications still waiting or needing a person (the finished ones grow with the
 * history, and counting them would read the whole table at every scrape).
 */
public final class MetricsStore {

    /**
     * A family of gauges filled by one query whose rows are (label value, count). Label values listed here and absent
     * from the rows read 0, so a series never disappears when its count falls to nothing. The SQL holds no input.
     */
    public record Family(String metric, String description, String label, List<String> values, String sql) {
    }

    /** The families read at each refresh; a new one (callbacks pending and failed, say) is one more entry here. */
    public static final List<Family> FAMILIES = List.of(
            new Family("windowgate.notifications", "Notifications waiting or needing an operator, by status",
                    "status", List.of("SCHEDULED", "HELD", "QUEUED", "FAILED"),
                    "SELECT status, COUNT(*) FROM notification WHERE status IN ('SCHEDULED', 'HELD', 'QUEUED', "
                            + "'FAILED') GROUP BY status"),
            new Family("windowgate.notifications.held", "HELD notifications by what they wait for", "reason",
                    List.of("WINDOW", "TEMPLATE"),
                    "SELECT hold_reason, COUNT(*) FROM notification WHERE status = 'HELD' GROUP BY hold_reason"),
            // served by the delivery's own index (state, next_attempt_at); delivered events are not counted
            new Family("windowgate.callbacks", "Events for the source systems not delivered yet, or given up", "state",
                    List.of("PENDING", "FAILED"),
                    "SELECT state, COUNT(*) FROM callback_event WHERE state IN ('PENDING', 'FAILED') GROUP BY state"),
            // the inbox holds only what is not applied yet, so counting it all stays cheap
            new Family("windowgate.webhook.inbox", "Signed webhooks stored and not applied yet: waiting, or failing "
                    + "(an apply failed; tried again at every poll)", "state", List.of("WAITING", "FAILING"),
                    "SELECT CASE WHEN attempts > 0 THEN 'FAILING' ELSE 'WAITING' END AS state, COUNT(*) "
                            + "FROM webhook_inbox GROUP BY CASE WHEN attempts > 0 THEN 'FAILING' ELSE 'WAITING' END"));

    /** Due QUEUED notifications (not claimed, not waiting for a retry) and the oldest time one of them became due. */
    public static final String OUTBOX_DUE = "windowgate.outbox.due";
    public static final String OUTBOX_OLDEST_DUE_AGE = "windowgate.outbox.oldest.due.age";
    /** Bulk files being processed, and the sums of their rows by outcome. */
    public static final String FILES_RUNNING = "windowgate.files.running";
    public static final String FILE_ROWS = "windowgate.file.rows";
    public static final List<String> FILE_ROW_STATES = List.of("total", "read", "sent", "held", "scheduled",
            "rejected", "failed");

    private final DataSource dataSource;

    public MetricsStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The key of a labelled gauge's value in {@link #read}'s answer. */
    public static String key(String metric, String labelValue) {
        return metric + "|" + labelValue;
    }

    /** Every figure at {@code now}, by metric name or {@link #key}. */
    public Map<String, Double> read(Instant now) throws SQLException {
        Map<String, Double> figures = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            for (Family family : FAMILIES) {
                family.values().forEach(v -> figures.put(key(family.metric(), v), 0.0));
                try (PreparedStatement s = c.prepareStatement(family.sql()); ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        String label = rs.getString(1);
                        if (label != null) {
                            figures.put(key(family.metric(), label.trim()), (double) rs.getLong(2));
                        }
                    }
                }
            }
            // served by the outbox's own index (status, next_attempt_at); a claimed notification's next_attempt_at is
            // the end of its lease, so only the ones nobody is sending count
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*), MIN(next_attempt_at) AS oldest "
                    + "FROM notification WHERE status = 'QUEUED' AND next_attempt_at <= ?")) {
                Jdbc.bind(s, now);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    figures.put(OUTBOX_DUE, (double) rs.getLong(1));
                    Instant oldest = Jdbc.instant(rs, "oldest");
                    figures.put(OUTBOX_OLDEST_DUE_AGE, oldest == null ? 0.0
                            : Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0));
                }
            }
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*), SUM(total_rows), SUM(rows_read), "
                    + "SUM(sent), SUM(held), SUM(scheduled), SUM(rejected), SUM(failed) FROM drop_file "
                    + "WHERE status = 'RUNNING'"); ResultSet rs = s.executeQuery()) {
                rs.next();
                figures.put(FILES_RUNNING, (double) rs.getLong(1));
                for (int i = 0; i < FILE_ROW_STATES.size(); i++) {
                    figures.put(key(FILE_ROWS, FILE_ROW_STATES.get(i)), (double) rs.getLong(i + 2));
                }
            }
        }
        return figures;
    }
}
