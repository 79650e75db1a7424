package io.windowgate.cluster;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.windowgate.store.ClusterLockStore;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Camel {@link IdempotentRepository} whose keys are cluster-wide locks in the database, so that several nodes consume
 * one drop folder or one mailbox and each file or mail is processed by one node.
 *
 * <ul>
 *   <li>the file consumer's {@code readLock=idempotent-changed} and the mail consumer's {@code idempotentRepository}
 *       call {@link #add} before they process an item: only one node gets {@code true};</li>
 *   <li>while a node processes, a heartbeat every third of {@code maxAge} keeps its locks fresh; a lock without a
 *       heartbeat for {@code maxAge} was left by a dead node and the next node to ask takes it over;</li>
 *   <li>{@link #remove} gives the key back (a file: a later file of the same name is processed again); {@link #confirm}
 *       keeps it for good (a mail: never processed twice).</li>
 * </ul>
 *
 * Camel's JdbcOrphanLockAwareIdempotentRepository does the same, but takes an orphaned lock over with an unconditional
 * update (two nodes can both win) and stops heart-beating a lock it took over; and it needs spring-jdbc.
 */
public final class ClusterLock extends ServiceSupport implements IdempotentRepository {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterLock.class);

    private final ClusterLockStore store;
    private final String name;
    private final String owner;
    private final Duration maxAge;
    private final Clock clock;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService heartbeat;

    /**
     * @param name what is locked ("drop-file", "mail"): keys of different names never collide
     * @param owner this node's name in the table (unique per process)
     * @param maxAge how long a lock without heartbeat counts as held; a dead node's work resumes after it
     */
    public ClusterLock(ClusterLockStore store, String name, String owner, Duration maxAge, Clock clock) {
        this.store = store;
        this.name = name;
        this.owner = owner;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    @Override
    public boolean add(String key) {
        try {
            Instant staleBefore = staleBefore();
            String deadOwner = store.staleOwner(name, key, staleBefore);
            ClusterLockStore.Acquired acquired = store.acquire(name, key, owner, staleBefore);
            if (acquired == ClusterLockStore.Acquired.REFUSED) {
                return false;
            }
            if (acquired == ClusterLockStore.Acquired.TAKEN_OVER) {
                LOG.warn("Taking over {} '{}' from {}: no heartbeat for {}, so that node is gone; processing it again",
                        name, key, deadOwner, maxAge);
            }
            held.add(key);
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot lock " + name + " '" + key + "' in the database: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public boolean contains(String key) {
        try {
            return store.isTaken(name, key, staleBefore());
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the lock of " + name + " '" + key + "': " + e.getMessage(), e);
        }
    }

    @Override
    public boolean remove(String key) {
        held.remove(key);
        try {
            return store.release(name, key, owner);
        } catch (SQLException e) {
            // the lock then expires after maxAge and the key is free again
            LOG.warn("Cannot release the lock of {} '{}' ({}); it is free again after {}", name, key, e.getMessage(),
                    maxAge);
            return false;
        }
    }

    @Override
    public boolean confirm(String key) {
        held.remove(key);
        try {
            return store.finish(name, key, owner);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot mark " + name + " '" + key + "' as done: " + e.getMessage(), e);
        }
    }

    @Override
    public void clear() {
        held.clear();
        try {
            store.clear(name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot clear the locks of " + name + ": " + e.getMessage(), e);
        }
    }

    /** The keys this node holds now. */
    public Set<String> held() {
        return Set.copyOf(held);
    }

    /** Refreshes the heartbeat of every lock this node holds. */
    void beat() {
        List<String> keys = List.copyOf(held);
        try {
            int refreshed = store.heartbeat(name, owner, keys);
            if (refreshed < keys.size()) {
                LOG.warn("{} of {} {} locks of this node were taken over by another node (no heartbeat for {}): the "
                        + "database was out of reach longer than that", keys.size() - refreshed, keys.size(), name,
                        maxAge);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Heartbeat of {} locks failed ({}); retrying in {}", name, e.getMessage(), maxAge.dividedBy(3));
        }
    }

    private Instant staleBefore() {
        return clock.instant().minus(maxAge);
    }

    @Override
    protected void doStart() {
        heartbeat = everyThirdOf(maxAge, "cluster-lock-" + name, this::beat);
    }

    /** Runs {@code task} on its own daemon thread every third of {@code maxAge} (a heartbeat's period), from then on. */
    static ScheduledExecutorService everyThirdOf(Duration maxAge, String threadName, Runnable task) {
        long period = Math.max(1, maxAge.toMillis() / 3);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(task, period, period, TimeUnit.MILLISECONDS);
        return timer;
    }

    @Override
    protected void doStop() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
    }
}
