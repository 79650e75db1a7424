package io.windowgate.store;

import java.time.Instant;

/**
 * One run of a bulk file (a dropped CSV or a mail's CSV attachment) as stored in {@code drop_file}: what became of its
 * rows so far. {@code status} is RUNNING, DONE, ERROR (unreadable, see reason) or ABORTED (stopped before its end;
 * the file is retried and its accepted rows are then duplicates).
 */
public record DropFileRecord(long runId, String name, String source, String status, Long totalRows, long rowsRead,
        long accepted, long duplicates, long rejected, long sent, long held, long scheduled, long failed, String reason,
        Instant startedAt, Instant updatedAt, Instant finishedAt) {
}
