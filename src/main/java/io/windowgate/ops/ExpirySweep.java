package io.windowgate.ops;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;

import io.windowgate.callback.Callbacks;
import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.SessionWindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled housekeeping: expires stale windows (by moving the expiry watermark, see
 * {@link SessionWindowStore#expireStale}) and held notifications older than hold.max-age (one set-based update), and
 * announces the windows closing and closed since the last sweep to the source systems ({@link Callbacks}), and
 * deletes the events they took longer than callbacks.retention ago.
 */
public final class ExpirySweep {

    private static final Logger LOG = LoggerFactory.getLogger(ExpirySweep.class);

    private final SessionWindowStore windows;
    private final NotificationStore notifications;
    private final SessionWindowPolicy policy;
    private final Duration holdMaxAge;
    private final Clock clock;
    private final Callbacks callbacks;

    public ExpirySweep(SessionWindowStore windows, NotificationStore notifications, SessionWindowPolicy policy,
            Duration holdMaxAge, Clock clock, Callbacks callbacks) {
        this.callbacks = callbacks;
        this.windows = windows;
        this.notifications = notifications;
        this.policy = policy;
        this.holdMaxAge = holdMaxAge;
        this.clock = clock;
    }

    /** The counts of one sweep. */
    public record Result(int windowsExpired, int heldExpired) {
    }

    public Result run() throws SQLException {
        long started = System.nanoTime();
        int expiredWindows = windows.expireStale(policy.cutoff());
        int expiredHeld = notifications.expireHeld(clock.instant().minus(holdMaxAge),
                "held longer than hold.max-age (" + holdMaxAge + ") without the customer writing in");
        callbacks.sweepWindows();
        callbacks.pruneDelivered();
        LOG.info("Expiry sweep: {} stale windows expired, {} held notifications expired ({} ms)", expiredWindows,
                expiredHeld, (System.nanoTime() - started) / 1_000_000);
        return new Result(expiredWindows, expiredHeld);
    }
}
