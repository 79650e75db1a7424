package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GroupCommit with a writer that records the groups it is given (the database side is in the store contracts). */
class GroupCommitTest {

    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final List<List<String>> groups = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch firstWriteStarted = new CountDownLatch(1);
    private final CountDownLatch releaseFirstWrite = new CountDownLatch(1);

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void recordsSubmittedWhileAWriteIsUnderWayGoTogetherInTheNextOne() throws Exception {
        GroupCommit<String> commit = new GroupCommit<>(this::writeHoldingTheFirst);
        Future<?> first = threads.submit(() -> submit(commit, "first"));
        assertThat(firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<?>> others = new ArrayList<>();
        for (String record : List.of("a", "b", "c")) {
            others.add(threads.submit(() -> submit(commit, record)));
        }
        // all three wait for the first write to end
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(commit) == 3);
        assertThat(others).noneMatch(Future::isDone);

        releaseFirstWrite.countDown();
        first.get(10, TimeUnit.SECONDS);
        for (Future<?> other : others) {
            other.get(10, TimeUnit.SECONDS);
        }

        assertThat(groups).hasSize(2);
        assertThat(groups.get(0)).containsExactly("first");
        assertThat(groups.get(1)).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void aWaitingCallerIsWokenOnlyByTheWriteOfItsRecordNotByEveryWrite() throws Exception {
        ExecutorService many = Executors.newFixedThreadPool(9);
        try {
            GroupCommit<String> commit = new GroupCommit<>(this::writeHoldingTheFirst);
            Future<?> first = many.submit(() -> submit(commit, "first"));
            assertThat(firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<Long>> waits = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String record = "r" + i;
                waits.add(many.submit(() -> {
                    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                    long before = threads.getThreadInfo(Thread.currentThread().getId()).getWaitedCount();
                    submit(commit, record);
                    return threads.getThreadInfo(Thread.currentThread().getId()).getWaitedCount() - before;
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> queued(commit) == 8);

            releaseFirstWrite.countDown();
            first.get(10, TimeUnit.SECONDS);
            long woken = 0;
            for (Future<Long> w : waits) {
                woken += w.get(10, TimeUnit.SECONDS);
            }

            assertThat(groups).hasSize(2);
            // waking all eight at the end of the first write, to find the next leader, sends seven back to wait
            assertThat(woken).as("times the eight callers waited").isLessThanOrEqualTo(8 + 1);
        } finally {
            many.shutdownNow();
        }
    }

    @Test
    void aGroupThatFailsIsWrittenRecordByRecordAndOnlyTheBadRecordFails() throws Exception {
        GroupCommit<String> commit = new GroupCommit<>(records -> {
            writeHoldingTheFirst(records);
            if (records.contains("bad")) {
                throw new SQLException("value too long for column wamid", "22001");
            }
        });
        Future<?> first = threads.submit(() -> submit(commit, "first"));
        assertThat(firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
        Future<?> good = threads.submit(() -> submit(commit, "good"));
        Future<?> bad = threads.submit(() -> submit(commit, "bad"));
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(commit) == 2);

        releaseFirstWrite.countDown();
        first.get(10, TimeUnit.SECONDS);
        good.get(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(SQLException.class)
                .hasMessageContaining("value too long")
                .satisfies(e -> assertThat(((SQLException) e.getCause().getCause()).getSQLState()).isEqualTo("22001"));
        // the group of two failed, then each was written alone
        assertThat(groups).hasSize(4);
        assertThat(groups.get(1)).containsExactlyInAnyOrder("good", "bad");
        assertThat(groups.subList(2, 4)).containsExactlyInAnyOrder(List.of("good"), List.of("bad"));
    }

    @Test
    void aLoneFailingRecordFailsItsCallerWithTheDatabasesSqlState() {
        GroupCommit<String> commit = new GroupCommit<>(records -> {
            throw new SQLException("deadlock detected", "40P01");
        });

        assertThatThrownBy(() -> commit.submit("only"))
                .isInstanceOf(SQLException.class)
                .hasMessage("deadlock detected")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40P01"));
    }

    private static Void submit(GroupCommit<String> commit, String record) throws SQLException {
        commit.submit(record);
        return null;
    }

    /** Records the group; the write of "first" lasts until the test releases it. */
    private void writeHoldingTheFirst(List<String> records) {
        groups.add(List.copyOf(records));
        if (records.contains("first")) {
            firstWriteStarted.countDown();
            try {
                if (!releaseFirstWrite.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the write");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static int queued(GroupCommit<?> commit) {
        return commit.queued();
    }
}
