package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import io.windowgate.notification.Status;
import io.windowgate.store.DeliveryRecords.HoldReason;
import org.junit.jupiter.api.Test;

/** The figures of the business gauges (MetricsStore), read from the same tables the routes write. */
abstract class MetricsStoreContract extends StoreTestSupport {

    private Map<String, Double> read() throws Exception {
        return new MetricsStore(database.dataSource()).read(clock.instant());
    }

    private static String key(String metric, String label) {
        return MetricsStore.key(metric, label);
    }

    @Test
    void waitingNotificationsAreCountedByStatusAndHoldReasonAndTheDueOnesByAge() throws Exception {
        Map<String, Double> empty = read();
        assertThat(empty).containsEntry(key("windowgate.notifications", "QUEUED"), 0.0)
                .containsEntry(key("windowgate.notifications.held", "TEMPLATE"), 0.0)
                .containsEntry(MetricsStore.OUTBOX_DUE, 0.0).containsEntry(MetricsStore.OUTBOX_OLDEST_DUE_AGE, 0.0);

        notifications.insert(templateOnly("q-1", ALICE), Status.QUEUED);
        clock.advance(Duration.ofSeconds(10));
        notifications.insert(templateOnly("q-2", BOB), Status.QUEUED);
        notifications.insert(templateOnly("q-3", BOB), Status.QUEUED);
        claims.defer("q-3", clock.instant().plus(Duration.ofHours(1)));
        notifications.insert(sessionText("h-1", ALICE), Status.QUEUED);
        records.markNotSendable("h-1", Status.HELD, "window closed", HoldReason.WINDOW);
        notifications.insert(templateOnly("h-2", BOB), Status.QUEUED);
        records.markNotSendable("h-2", Status.HELD, "template paused", HoldReason.TEMPLATE);
        notifications.insert(templateOnly("h-3", ALICE), Status.QUEUED);
        records.markNotSendable("h-3", Status.HELD, "template paused", HoldReason.TEMPLATE);
        notifications.insert(sessionText("s-1", ALICE), Status.SCHEDULED);
        notifications.insert(sessionText("f-1", BOB), Status.FAILED);
        notifications.insert(sessionText("r-1", BOB), Status.READ);
        clock.advance(Duration.ofSeconds(20));

        Map<String, Double> figures = read();
        assertThat(figures).containsEntry(key("windowgate.notifications", "QUEUED"), 3.0)
                .containsEntry(key("windowgate.notifications", "HELD"), 3.0)
                .containsEntry(key("windowgate.notifications", "SCHEDULED"), 1.0)
                .containsEntry(key("windowgate.notifications", "FAILED"), 1.0)
                .doesNotContainKey(key("windowgate.notifications", "READ"))
                .containsEntry(key("windowgate.notifications.held", "WINDOW"), 1.0)
                .containsEntry(key("windowgate.notifications.held", "TEMPLATE"), 2.0)
                .containsEntry(MetricsStore.OUTBOX_DUE, 2.0)
                .containsEntry(MetricsStore.OUTBOX_OLDEST_DUE_AGE, 30.0);
    }

    @Test
    void eventsNotDeliveredYetAreCountedByState() throws Exception {
        assertThat(read()).containsEntry(key("windowgate.callbacks", "PENDING"), 0.0)
                .containsEntry(key("windowgate.callbacks", "FAILED"), 0.0);

        // a notification naming its own receiver gets an event for each status change, written by the database
        notifications.insert(new io.windowgate.notification.Notification("cb-1", ALICE, "hi", null, null, null, "crm",
                null, "https://crm.example/hook", null), Status.QUEUED);

        assertThat(read().get(key("windowgate.callbacks", "PENDING"))).isGreaterThanOrEqualTo(1.0);
        assertThat(read()).containsEntry(key("windowgate.callbacks", "FAILED"), 0.0);
    }

    @Test
    void theRowsOfTheRunningFilesAreSummedAndFinishedFilesLeaveTheSum() throws Exception {
        DropFileStore files = new DropFileStore(database.dataSource(), clock);
        long a = files.start("a.csv", "drop", 10L);
        files.update(new DropFileRecord(a, "a.csv", "drop", "RUNNING", 10L, 6, 5, 0, 1, 3, 1, 0, 1, null, T0, T0,
                null));
        long b = files.start("b.csv", "drop", 4L);
        files.update(new DropFileRecord(b, "b.csv", "drop", "RUNNING", 4L, 2, 2, 0, 0, 2, 0, 0, 0, null, T0, T0,
                null));
        long done = files.start("c.csv", "drop", 100L);
        files.update(new DropFileRecord(done, "c.csv", "drop", "DONE", 100L, 100, 100, 0, 0, 100, 0, 0, 0, null,
                T0, T0, T0));

        Map<String, Double> figures = read();
        assertThat(figures).containsEntry(MetricsStore.FILES_RUNNING, 2.0)
                .containsEntry(key(MetricsStore.FILE_ROWS, "total"), 14.0)
                .containsEntry(key(MetricsStore.FILE_ROWS, "read"), 8.0)
                .containsEntry(key(MetricsStore.FILE_ROWS, "sent"), 5.0)
                .containsEntry(key(MetricsStore.FILE_ROWS, "held"), 1.0)
                .containsEntry(key(MetricsStore.FILE_ROWS, "rejected"), 1.0)
                .containsEntry(key(MetricsStore.FILE_ROWS, "failed"), 1.0);
    }
}
