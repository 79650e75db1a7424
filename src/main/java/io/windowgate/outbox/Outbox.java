package io.windowgate.outbox;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.windowgate.notification.Notification;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.NotificationStore.Claim;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox: the notification table is the queue. Every QUEUED notification is due at its next_attempt_at;
 * outbox-dispatch claims due ones in batches for this node (a lease) and sends them. A send that has to wait, or fails
 * in a way worth retrying, moves next_attempt_at forward. A claim that never finished (the process died mid-send) is
 * taken over when its lease ends: those are the only sends that can be repeated after a crash.
 */
public final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final NotificationStore store;
    private final Clock clock;
    private final Duration lease;
    private final int batchSize;
    /** This process's name in lease_owner: a new one at every start, so a restarted node never trusts old claims. */
    private final String owner = "node-" + UUID.randomUUID().toString().substring(0, 8);

    public Outbox(NotificationStore store, Clock clock, Duration lease, int batchSize) {
        this.store = store;
        this.clock = clock;
        this.lease = lease;
        this.batchSize = batchSize;
    }

    /** Who holds the claims this process makes. */
    public String owner() {
        return owner;
    }

    /** When a claim made now ends. */
    public Instant leaseUntil() {
        return clock.instant().plus(lease);
    }

    /**
     * Claims the next batch of due notifications for this node, grouped by recipient: the groups are sent in parallel,
     * each group in order (earliest due first), so one recipient's messages do not overtake each other.
     */
    public Collection<List<Notification>> claimDue() throws SQLException {
        List<Claim> claims = store.claimDue(owner, leaseUntil(), batchSize);
        Map<String, List<Notification>> byRecipient = new LinkedHashMap<>();
        for (Claim claim : claims) {
            if (claim.stored().outcomeUnknownSince() != null) {
                LOG.warn("Notification {}: no status webhook since its send's outcome became unknown at {}; sending "
                        + "again", claim.stored().notification().id(), claim.stored().outcomeUnknownSince());
            } else if (claim.interrupted()) {
                LOG.warn("Notification {}: taking over a send that {} never finished (lease ended); if that send had "
                        + "reached the provider, this one is a repeat", claim.stored().notification().id(),
                        claim.stored().leaseOwner());
            }
            Notification n = claim.stored().notification();
            byRecipient.computeIfAbsent(n.to(), to -> new ArrayList<>()).add(n);
        }
        return byRecipient.values();
    }

    /** Whether the batch just claimed was full, so more are probably due right away. */
    public boolean isFull(Collection<List<Notification>> batch) {
        return batch.stream().mapToInt(List::size).sum() >= batchSize;
    }
}
