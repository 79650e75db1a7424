package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.windowgate.notification.Status;
import io.windowgate.store.DeliveryRecords.StatusChange;
import io.windowgate.store.DeliveryRecords.StatusOutcome;
import io.windowgate.store.WebhookInboxStore.Row;
import org.junit.jupiter.api.Test;

/** The webhook inbox: appends in arrival order, batches applied with their rows, one applier across nodes. */
abstract class WebhookInboxStoreContract extends StoreTestSupport {

    private WebhookInboxStore inbox() {
        return new WebhookInboxStore(database.dataSource(), database.dialect(), clock, records);
    }

    @Test
    void concurrentAppendsAreAllStoredAndReadBackInIdOrder() throws Exception {
        WebhookInboxStore inbox = inbox();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String body = "{\"entry\":[],\"n\":" + i + "}";
            done.add(threads.submit(() -> {
                inbox.append(body);
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        threads.shutdown();

        List<Row> first = inbox.next(0, 25);
        List<Row> rest = inbox.next(first.get(first.size() - 1).id(), 25);
        assertThat(first).hasSize(25);
        assertThat(rest).hasSize(15);
        List<Long> ids = new ArrayList<>();
        first.forEach(r -> ids.add(r.id()));
        rest.forEach(r -> ids.add(r.id()));
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(inbox.waiting()).isEqualTo(40);
    }

    @Test
    void aBatchMovesStatusesForwardOnlyInItsOrderAndDeletesItsRowsWithThem() throws Exception {
        WebhookInboxStore inbox = inbox();
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        notifications.insert(sessionText("n-2", BOB), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");
        records.markSent("n-2", "session", "wamid.2");
        inbox.append("{\"entry\":[]}");
        inbox.append("{\"entry\":[]}");
        inbox.append("{\"entry\":[]}");
        List<Long> ids = inbox.next(0, 10).stream().map(Row::id).toList();

        StatusOutcome[] outcomes = inbox.applyStatuses(ids.subList(0, 2), List.of(
                new StatusChange("wamid.1", "n-1", Status.READ),
                new StatusChange("wamid.1", "n-1", Status.DELIVERED),
                new StatusChange("wamid.2", "n-2", Status.DELIVERED),
                new StatusChange("wamid.unknown", "n-9", Status.READ)));

        assertThat(outcomes).containsExactly(StatusOutcome.APPLIED, StatusOutcome.IGNORED, StatusOutcome.APPLIED,
                StatusOutcome.IGNORED);
        assertThat(notifications.find("n-1").status()).isEqualTo(Status.READ);
        assertThat(notifications.find("n-2").status()).isEqualTo(Status.DELIVERED);
        assertThat(inbox.next(0, 10)).extracting(Row::id).containsExactly(ids.get(2));
    }

    @Test
    void onlyOneNodeAppliesAtATimeOnPostgresql() throws Exception {
        WebhookInboxStore node1 = inbox();
        WebhookInboxStore node2 = inbox();

        String inside = node1.exclusively(() -> node2.exclusively(() -> "node 2 ran"));
        String after = node2.exclusively(() -> "node 2 ran");

        // the embedded HSQLDB serves one node: there only the lock in the process counts
        assertThat(inside).isEqualTo(database.dialect() == Dialect.POSTGRESQL ? null : "node 2 ran");
        assertThat(after).isEqualTo("node 2 ran");
    }
}
