package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The sources' tables: CRM cursor, refusals, and bulk-file runs (SourceStore, DropFileStore). */
abstract class SourceStoresContract extends StoreTestSupport {

    private SourceStore sources() {
        return new SourceStore(database.dataSource(), clock);
    }

    private DropFileStore runs() {
        return new DropFileStore(database.dataSource(), clock);
    }

    @Test
    void aCursorIsNullUntilSavedAndThenTheLatestOne() throws Exception {
        SourceStore store = sources();
        assertThat(store.cursor("crm-poll")).isNull();

        store.saveCursor("crm-poll", "c1");
        store.saveCursor("crm-poll", "c2");
        store.saveCursor("other", "x");

        assertThat(store.cursor("crm-poll")).isEqualTo("c2");
        assertThat(store.cursor("other")).isEqualTo("x");
        assertThat(countRows("source_cursor")).isEqualTo(2);
    }

    @Test
    void refusalsAreListedNewestFirstPerSource() throws Exception {
        SourceStore store = sources();
        store.reject("mail", "<a@x> from a@x", null, "sender a@x is not in mail.allowed-senders");
        clock.advance(Duration.ofSeconds(1));
        store.reject("crm-poll", "page (first)", "p-1", "recipient 'x' is not a phone number");
        clock.advance(Duration.ofSeconds(1));
        store.reject("mail", "<b@x> from b@x", "j-1", "r".repeat(3000));

        List<java.util.Map<String, Object>> mail = store.rejections("mail", 10);
        assertThat(mail).extracting(r -> r.get("reference")).containsExactly("<b@x> from b@x", "<a@x> from a@x");
        assertThat((String) mail.get(0).get("reason")).hasSize(2000);
        assertThat(mail.get(1).get("item")).isNull();
        assertThat(mail.get(1).get("at")).isEqualTo(T0.toString());
        assertThat(store.rejections(null, 10)).hasSize(3);
        assertThat(store.rejections(null, 1)).hasSize(1);
    }

    @Test
    void aRunGoesFromRunningToDoneAndANewRunOfTheSameNameAbortsAnUnfinishedOne() throws Exception {
        DropFileStore store = runs();
        long first = store.start("orders.csv", "drop", 10L);
        store.update(new DropFileRecord(first, "orders.csv", "drop", "RUNNING", 10L, 4, 3, 1, 0, 2, 1, 0, 0, null,
                T0, T0, null));
        DropFileRecord running = store.latest("orders.csv");
        assertThat(running.status()).isEqualTo("RUNNING");
        assertThat(List.of(running.rowsRead(), running.accepted(), running.duplicates(), running.sent(),
                running.held())).containsExactly(4L, 3L, 1L, 2L, 1L);
        assertThat(running.finishedAt()).isNull();

        clock.advance(Duration.ofMinutes(1));
        long second = store.start("orders.csv", "drop", 10L);
        assertThat(second).isNotEqualTo(first);
        clock.advance(Duration.ofMinutes(1));
        store.update(new DropFileRecord(second, "orders.csv", "drop", "DONE", 10L, 10, 6, 4, 0, 6, 0, 0, 0, null,
                T0, T0, null));

        DropFileRecord done = store.latest("orders.csv");
        assertThat(done.runId()).isEqualTo(second);
        assertThat(done.status()).isEqualTo("DONE");
        assertThat(done.finishedAt()).isEqualTo(T0.plus(Duration.ofMinutes(2)));
        assertThat(store.recent(10)).extracting(DropFileRecord::status).containsExactly("DONE", "ABORTED");
    }

    @Test
    void anUnreadableFileIsAnErrorRunWithoutFigures() throws Exception {
        DropFileStore store = runs();
        store.unreadable("broken.csv", "mail", "the file is not UTF-8 text");

        DropFileRecord error = store.latest("broken.csv");
        assertThat(error.status()).isEqualTo("ERROR");
        assertThat(error.source()).isEqualTo("mail");
        assertThat(error.totalRows()).isNull();
        assertThat(error.reason()).isEqualTo("the file is not UTF-8 text");
        assertThat(store.latest("never-seen.csv")).isNull();
    }
}
