package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/** The runs of bulk files in {@code drop_file}: written while a file is processed, read by GET /api/files. */
public final class DropFileStore {

    private static final String COLUMNS = "id, name, source, status, total_rows, rows_read, accepted, duplicates, "
            + "rejected, sent, held, scheduled, failed, reason, started_at, updated_at, finished_at";

    private final DataSource dataSource;
    private final Clock clock;

    public DropFileStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /**
     * Starts a run of a file. An earlier run of the same name still RUNNING was cut short (the process stopped, or
     * the run failed and the file is being retried): it becomes ABORTED.
     *
     * @return the run id
     */
    public long start(String name, String source, Long totalRows) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("UPDATE drop_file SET status = 'ABORTED', updated_at = ? "
                    + "WHERE name = ? AND status = 'RUNNING'")) {
                Jdbc.bind(s, now, name);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO drop_file (name, source, status, total_rows, "
                    + "started_at, updated_at) VALUES (?, ?, 'RUNNING', ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                Jdbc.bind(s, Jdbc.truncate(name, 255), source, totalRows, now, now);
                s.executeUpdate();
                try (ResultSet keys = s.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        }
    }

    /** Writes a run's figures; {@code status} RUNNING while it goes on, DONE or ABORTED at its end. */
    public void update(DropFileRecord run) throws SQLException {
        Instant now = clock.instant();
        boolean finished = !"RUNNING".equals(run.status());
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE drop_file SET status = ?, rows_read = ?, accepted = ?, "
                     + "duplicates = ?, rejected = ?, sent = ?, held = ?, scheduled = ?, failed = ?, reason = ?, "
                     + "updated_at = ?, finished_at = ? WHERE id = ?")) {
            Jdbc.bind(s, run.status(), run.rowsRead(), run.accepted(), run.duplicates(), run.rejected(), run.sent(),
                    run.held(), run.scheduled(), run.failed(), Jdbc.truncate(run.reason(), 1000), now,
                    finished ? now : null, run.runId());
            s.executeUpdate();
        }
    }

    /** Records a file that could not be read at all (moved to .error/). */
    public void unreadable(String name, String source, String reason) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO drop_file (name, source, status, reason, started_at, "
                     + "updated_at, finished_at) VALUES (?, ?, 'ERROR', ?, ?, ?, ?)")) {
            Jdbc.bind(s, Jdbc.truncate(name, 255), source, Jdbc.truncate(reason, 1000), now, now, now);
            s.executeUpdate();
        }
    }

    /** The newest run of the file with this name, or null. */
    public DropFileRecord latest(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM drop_file WHERE name = ? "
                     + "ORDER BY started_at DESC, id DESC")) {
            s.setMaxRows(1);
            Jdbc.bind(s, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? read(rs) : null;
            }
        }
    }

    /** The newest runs, newest first. */
    public List<DropFileRecord> recent(int limit) throws SQLException {
        List<DropFileRecord> runs = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM drop_file "
                     + "ORDER BY started_at DESC, id DESC")) {
            s.setMaxRows(limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    runs.add(read(rs));
                }
            }
        }
        return runs;
    }

    private static DropFileRecord read(ResultSet rs) throws SQLException {
        long total = rs.getLong("total_rows");
        Long totalRows = rs.wasNull() ? null : total;
        return new DropFileRecord(rs.getLong("id"), rs.getString("name"), rs.getString("source"),
                rs.getString("status"), totalRows, rs.getLong("rows_read"), rs.getLong("accepted"),
                rs.getLong("duplicates"), rs.getLong("rejected"), rs.getLong("sent"), rs.getLong("held"),
                rs.getLong("scheduled"), rs.getLong("failed"), rs.getString("reason"), Jdbc.instant(rs, "started_at"),
                Jdbc.instant(rs, "updated_at"), Jdbc.instant(rs, "finished_at"));
    }
}
