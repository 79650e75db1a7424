package io.windowgate.ops;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.windowgate.store.DropFileRecord;
import io.windowgate.store.DropFileStore;

/**
 * The JSON shape of GET /api/files and GET /api/files/{name}: the figures of each bulk file's run, with the rate so
 * far and, while it runs, the estimated seconds left. Figures of a running file are at most about a second old.
 */
public final class FileProgressView {

    /** Most runs listed by GET /api/files. */
    static final int LIST_LIMIT = 100;

    private final DropFileStore store;
    private final Clock clock;

    public FileProgressView(DropFileStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The newest runs, newest first. */
    public Map<String, Object> list() throws SQLException {
        List<Map<String, Object>> files = new ArrayList<>();
        for (DropFileRecord run : store.recent(LIST_LIMIT)) {
            files.add(view(run));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("files", files);
        return answer;
    }

    /** The newest run of the file with this name, or null when there is none. */
    public Map<String, Object> find(String name) throws SQLException {
        DropFileRecord run = name == null ? null : store.latest(name);
        return run == null ? null : view(run);
    }

    Map<String, Object> view(DropFileRecord run) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", run.name());
        view.put("source", run.source());
        view.put("status", run.status());
        view.put("totalRows", run.totalRows());
        view.put("rowsRead", run.rowsRead());
        view.put("accepted", run.accepted());
        view.put("sent", run.sent());
        view.put("held", run.held());
        view.put("scheduled", run.scheduled());
        view.put("failed", run.failed());
        // accepted rows whose first send did not settle them: waiting in the outbox (retry, pacing, a pause)
        view.put("queued", Math.max(0, run.accepted() - run.sent() - run.held() - run.scheduled() - run.failed()));
        view.put("rejected", run.rejected());
        view.put("duplicates", run.duplicates());
        Instant end = run.finishedAt() != null ? run.finishedAt() : run.updatedAt();
        double seconds = Duration.between(run.startedAt(), end).toMillis() / 1000.0;
        Double rate = seconds > 0 ? Math.round(run.rowsRead() / seconds * 10) / 10.0 : null;
        view.put("rowsPerSecond", rate);
        Long eta = null;
        if ("RUNNING".equals(run.status()) && run.totalRows() != null && rate != null && rate > 0) {
            long left = Math.round((run.totalRows() - run.rowsRead()) / rate);
            // the figures are from the last write; count the time since then as already spent
            eta = Math.max(0, left - Duration.between(run.updatedAt(), clock.instant()).toSeconds());
        }
        view.put("etaSeconds", eta);
        view.put("reason", run.reason());
        view.put("startedAt", run.startedAt().toString());
        view.put("updatedAt", run.updatedAt().toString());
        view.put("finishedAt", run.finishedAt() == null ? null : run.finishedAt().toString());
        return view;
    }
}
