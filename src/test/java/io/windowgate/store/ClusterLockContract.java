package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.windowgate.cluster.RateShare;
import io.windowgate.store.ClusterLockStore.Acquired;
import io.windowgate.whatsapp.SendGate;
import org.junit.jupiter.api.Test;

/** cluster_lock: one node per dropped file or mail, taken over from a dead node by exactly one other. */
abstract class ClusterLockContract extends StoreTestSupport {

    private static final Duration MAX_AGE = Duration.ofSeconds(30);

    private ClusterLockStore locks() {
        return new ClusterLockStore(database.dataSource(), clock);
    }

    private Instant staleBefore() {
        return clock.instant().minus(MAX_AGE);
    }

    @Test
    void aFreshLockHasOneOwnerUntilReleased() throws Exception {
        ClusterLockStore locks = locks();

        assertThat(locks.acquire("drop-file", "a.csv", "node-1", staleBefore())).isEqualTo(Acquired.NEW);
        assertThat(locks.acquire("drop-file", "a.csv", "node-2", staleBefore())).isEqualTo(Acquired.REFUSED);
        assertThat(locks.acquire("mail", "a.csv", "node-2", staleBefore())).as("another lock name").isEqualTo(Acquired.NEW);
        assertThat(locks.isTaken("drop-file", "a.csv", staleBefore())).isTrue();

        assertThat(locks.release("drop-file", "a.csv", "node-2")).as("only the owner releases").isFalse();
        assertThat(locks.release("drop-file", "a.csv", "node-1")).isTrue();

        assertThat(locks.isTaken("drop-file", "a.csv", staleBefore())).isFalse();
        assertThat(locks.acquire("drop-file", "a.csv", "node-2", staleBefore())).isEqualTo(Acquired.NEW);
    }

    @Test
    void aLockWithoutHeartbeatIsTakenOverAndItsOldOwnerCannotRefreshIt() throws Exception {
        ClusterLockStore locks = locks();
        locks.acquire("drop-file", "a.csv", "node-1", staleBefore());
        locks.acquire("drop-file", "b.csv", "node-1", staleBefore());

        clock.advance(MAX_AGE.minusSeconds(1));
        assertThat(locks.heartbeat("drop-file", "node-1", List.of("b.csv"))).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));

        assertThat(locks.staleOwner("drop-file", "a.csv", staleBefore())).isEqualTo("node-1");
        assertThat(locks.isTaken("drop-file", "a.csv", staleBefore())).isFalse();
        assertThat(locks.acquire("drop-file", "a.csv", "node-2", staleBefore())).isEqualTo(Acquired.TAKEN_OVER);
        assertThat(locks.acquire("drop-file", "b.csv", "node-2", staleBefore()))
                .as("its heartbeat kept b.csv").isEqualTo(Acquired.REFUSED);
        assertThat(locks.heartbeat("drop-file", "node-1", List.of("a.csv", "b.csv")))
                .as("node-1 came back: a.csv is no longer its own").isEqualTo(1);
        assertThat(locks.release("drop-file", "a.csv", "node-1")).isFalse();
        assertThat(locks.isTaken("drop-file", "a.csv", staleBefore())).isTrue();
    }

    @Test
    void aFinishedLockIsNeverTakenAgain() throws Exception {
        ClusterLockStore locks = locks();
        locks.acquire("mail", "<m1@example.com>", "node-1", staleBefore());
        assertThat(locks.finish("mail", "<m1@example.com>", "node-1")).isTrue();

        clock.advance(MAX_AGE.multipliedBy(100));

        assertThat(locks.isTaken("mail", "<m1@example.com>", staleBefore())).isTrue();
        assertThat(locks.acquire("mail", "<m1@example.com>", "node-2", staleBefore())).isEqualTo(Acquired.REFUSED);
    }

    @Test
    void nodesRacingForOneKeyGetOneWinnerFreshOrStale() throws Exception {
        assertThat(race("fresh.csv")).as("a new key").isEqualTo(1);

        locks().acquire("drop-file", "orphan.csv", "dead-node", staleBefore());
        clock.advance(MAX_AGE.plusSeconds(1));
        assertThat(race("orphan.csv")).as("a dead node's key").isEqualTo(1);
    }

    /** Eight nodes ask for {@code key} at once; returns how many got it. */
    private long race(String key) throws Exception {
        int nodes = 8;
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Acquired>> answers = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                String owner = "node-" + i;
                ClusterLockStore locks = locks();
                answers.add(pool.submit(() -> {
                    start.await();
                    return locks.acquire("drop-file", key, owner, staleBefore());
                }));
            }
            start.countDown();
            List<Acquired> results = new ArrayList<>();
            for (Future<Acquired> answer : answers) {
                results.add(answer.get(20, TimeUnit.SECONDS));
            }
            assertThat(Set.copyOf(results)).containsAnyOf(Acquired.NEW, Acquired.TAKEN_OVER).contains(Acquired.REFUSED);
            return results.stream().filter(a -> a != Acquired.REFUSED).count();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theNodesShareTheSendRateAndASilentNodesShareGoesBackToTheOthers() throws Exception {
        ClusterLockStore locks = locks();
        SendGate gate1 = gate();
        SendGate gate2 = gate();
        RateShare node1 = new RateShare(locks, gate1, "node-1", MAX_AGE, clock);
        RateShare node2 = new RateShare(locks, gate2, "node-2", MAX_AGE, clock);

        node1.refresh();
        assertThat(gate1.sharedBy()).as("alone").isEqualTo(1);
        node2.refresh();
        node1.refresh();
        assertThat(gate1.sharedBy()).isEqualTo(2);
        assertThat(gate2.sharedBy()).isEqualTo(2);

        // node-1 falls silent (killed): node-2 takes the whole rate once node-1's heartbeat is older than MAX_AGE
        clock.advance(MAX_AGE.minusSeconds(1));
        node2.refresh();
        assertThat(gate2.sharedBy()).as("node-1 may still be alive").isEqualTo(2);
        clock.advance(Duration.ofSeconds(2));
        node2.refresh();
        assertThat(gate2.sharedBy()).isEqualTo(1);

        // long gone: its row is purged; were it only stalled, its next refresh registers it again
        clock.advance(MAX_AGE.multipliedBy(10));
        node2.refresh();
        assertThat(countRows("cluster_lock")).isEqualTo(1);
        node1.refresh();
        node2.refresh();
        assertThat(gate1.sharedBy()).isEqualTo(2);
        assertThat(gate2.sharedBy()).isEqualTo(2);
    }

    private SendGate gate() {
        return new SendGate(new SendingStateStore(database.dataSource(), clock), clock, System::nanoTime, 80,
                Duration.ofSeconds(6), 1, Duration.ZERO);
    }
}
