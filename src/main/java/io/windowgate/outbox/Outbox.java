package io.windowgate.outbox;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.windowgate.notification.Notification;
import io.windowgate.store.OutboxClaims;
import io.windowgate.store.OutboxClaims.Claim;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox: the notification table is the queue. Every QUEUED notification is due at its next_attempt_at;
 * outbox-dispatch claims due ones in batches for this node (a lease) and sends them. A send that has to wait, or fails
 * in a way worth retrying, moves next_attempt_at forward. A claim that never finished (the process died mid-send) is
 * taken over when its lease ends: those are the only sends that can be repeated after a crash.
 *
 * <p>A batch is sent one notification after another, so the last ones of a batch may start late. Before each send,
 * {@link #keepClaim} checks that the send can finish before the claim ends, and extends the claim in the database if
 * not: a claim never ends while its send may still be running, or another node would take it over and send it too.
 */
public final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final OutboxClaims store;
    private final Clock clock;
    private final Duration lease;
    private final int batchSize;
    private final Duration longestSend;
    /** The claims this node made and has not sent yet, by notification id: the claimed copy and when it ends. */
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();

    /** One claim: the notification as claimed (the very object handed to the route) and the end of its lease. */
    private record Lease(Notification claimed, Instant until) {
    }
    /** This process's name in lease_owner: a new one at every start, so a restarted node never trusts old claims. */
    private final String owner = "node-" + UUID.randomUUID().toString().substring(0, 8);

    /**
     * @param longestSend the longest a send can take (connect and response timeouts and the send gate's wait); the
     *                    lease must be longer
     */
    public Outbox(OutboxClaims store, Clock clock, Duration lease, int batchSize, Duration longestSend) {
        if (lease.compareTo(longestSend) <= 0) {
            throw new IllegalArgumentException("lease " + lease + " must be longer than the longest send " + longestSend);
        }
        this.store = store;
        this.clock = clock;
        this.lease = lease;
        this.batchSize = batchSize;
        this.longestSend = longestSend;
    }

    /** Who holds the claims this process makes. */
    public String owner() {
        return owner;
    }

    /**
     * When a claim made now ends; in whole milliseconds, so that the value read back from either database equals it
     * ({@link #keepStoredClaim} compares it).
     */
    public Instant leaseUntil() {
        return clock.instant().plus(lease).truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * Claims the next batch of due notifications for this node, grouped by recipient: the groups are sent in parallel,
     * each group in order (earliest due first), so one recipient's messages do not overtake each other.
     */
    public Collection<List<Notification>> claimDue() throws SQLException {
        Instant leaseUntil = leaseUntil();
        // forget claims that ended without reaching keepClaim (their batch failed): they are anyone's again
        Instant now = clock.instant();
        leases.values().removeIf(l -> l.until().isBefore(now));
        List<Claim> claims = store.claimDue(owner, leaseUntil, batchSize);
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
            leases.put(n.id(), new Lease(n, leaseUntil));
            byRecipient.computeIfAbsent(n.to(), to -> new ArrayList<>()).add(n);
        }
        return byRecipient.values();
    }

    /**
     * Called just before a claimed notification is sent: whether it is still this node's to send. True when the send
     * can finish before the claim ends; otherwise the claim is extended in the database, which fails only if another
     * node has taken the notification over (it is then skipped here, and sent there). A copy from an older claim of
     * this node, superseded by a newer one, is skipped too: the newer claim sends it.
     */
    public boolean keepClaim(Notification notification) throws SQLException {
        Lease lease = leases.get(notification.id());
        if (lease == null || lease.claimed() != notification) {
            LOG.warn("Notification {}: claimed again since this copy was claimed; the newer claim sends it",
                    notification.id());
            return false;
        }
        leases.remove(notification.id(), lease);
        Instant now = clock.instant();
        if (now.plus(longestSend).isBefore(lease.until())) {
            return true;
        }
        if (store.renewClaim(notification.id(), owner, now.plus(this.lease))) {
            return true;
        }
        LOG.warn("Notification {}: its claim ended before this node got to send it, and another node has taken it "
                + "over; not sending it here", notification.id());
        return false;
    }

    /**
     * Called just before a source sends a notification that it stored itself with this node's claim until
     * {@code claimedUntil} (the CSV path sends a chunk while it stores the next, so a row may wait a while): whether it
     * is still this caller's to send. True when the send can finish before the claim ends; otherwise the claim is
     * extended, but only if it is still the one the source made (same owner, same end). Once it has ended, the outbox
     * of this or another node may have claimed the notification again, and that claim sends it: false, and the caller
     * leaves it to the outbox. Without this check both would send it.
     */
    public boolean keepStoredClaim(Notification notification, Instant claimedUntil) throws SQLException {
        String id = notification.id();
        Instant now = clock.instant();
        if (now.plus(longestSend).isBefore(claimedUntil)) {
            return true;
        }
        if (store.extendClaim(id, owner, claimedUntil, leaseUntil())) {
            return true;
        }
        LOG.warn("Notification {}: its claim ended before it was sent here and the outbox has claimed it again; the "
                + "outbox sends it", id);
        return false;
    }

    /** Whether the batch just claimed was full, so more are probably due right away. */
    public boolean isFull(Collection<List<Notification>> batch) {
        return batch.stream().mapToInt(List::size).sum() >= batchSize;
    }
}
