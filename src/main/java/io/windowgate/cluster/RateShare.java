package io.windowgate.cluster;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import io.windowgate.store.ClusterLockStore;
import io.windowgate.whatsapp.SendGate;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares whatsapp.max-messages-per-second among the nodes that send for the number. Each node holds a lock named
 * {@code node} on its own id in table cluster_lock and keeps its heartbeat fresh; every third of {@code maxAge} it
 * counts the nodes with a fresh heartbeat and gives the {@link SendGate} that many shares. A node that stops gives its
 * lock back at once; one that dies stops counting after {@code maxAge}, and the others then send faster again. A node
 * that joins is counted by the others within a third of {@code maxAge} (until then the nodes may send up to one share
 * too many; the provider's 130429 answers are retried).
 */
public final class RateShare extends ServiceSupport {

    static final String LOCK_NAME = "node";
    private static final Logger LOG = LoggerFactory.getLogger(RateShare.class);

    private final ClusterLockStore store;
    private final SendGate gate;
    private final String owner;
    private final Duration maxAge;
    private final Clock clock;
    private ScheduledExecutorService timer;

    public RateShare(ClusterLockStore store, SendGate gate, String owner, Duration maxAge, Clock clock) {
        this.store = store;
        this.gate = gate;
        this.owner = owner;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /**
     * Renews this node's heartbeat (registering it again if another node purged it after a long stall), forgets
     * nodes silent for ten times {@code maxAge}, and hands the count of live nodes to the gate. A database error keeps
     * the last count until the next try.
     */
    public void refresh() {
        Instant now = clock.instant();
        Instant staleBefore = now.minus(maxAge);
        try {
            if (store.heartbeat(LOCK_NAME, owner, List.of(owner)) == 0) {
                store.acquire(LOCK_NAME, owner, owner, staleBefore);
            }
            store.purgeStale(LOCK_NAME, now.minus(maxAge.multipliedBy(10)));
            gate.shareWith(store.countHeld(LOCK_NAME, staleBefore));
        } catch (SQLException e) {
            LOG.warn("Cannot count the nodes sharing whatsapp.max-messages-per-second ({}); keeping {} share(s) "
                    + "until the next try", e.getMessage(), gate.sharedBy());
        }
    }

    @Override
    protected void doStart() {
        refresh(); // before the first send: a node that joins must not send at the whole rate
        timer = ClusterLock.everyThirdOf(maxAge, "rate-share", this::refresh);
    }

    @Override
    protected void doStop() {
        if (timer != null) {
            timer.shutdownNow();
        }
        try {
            store.release(LOCK_NAME, owner, owner); // the other nodes take the whole rate at their next count
        } catch (SQLException e) {
            LOG.warn("Stopping: could not give this node's rate share back ({}); the other nodes take it after {}",
                    e.getMessage(), maxAge);
        }
    }
}
