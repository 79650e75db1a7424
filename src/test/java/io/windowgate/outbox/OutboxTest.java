package io.windowgate.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

import io.windowgate.MutableClock;
import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.OutboxClaims;
import io.windowgate.store.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outbox.keepClaim: a claimed notification is sent only while the claim is this node's, and only once. */
class OutboxTest {

    static final Instant T0 = Instant.parse("2026-03-10T12:00:00Z");
    static final Duration LEASE = Duration.ofSeconds(10);
    static final Duration LONGEST_SEND = Duration.ofSeconds(4);

    MutableClock clock = new MutableClock(T0);
    TestDatabase database;
    NotificationStore store;
    OutboxClaims claims;

    @BeforeEach
    void open() {
        database = TestDatabase.hsqldb();
        database.migrate();
        store = new NotificationStore(database.dataSource(), clock);
        claims = new OutboxClaims(database.dataSource(), database.dialect(), clock);
    }

    @AfterEach
    void close() throws Exception {
        database.close();
    }

    private static Notification text(String id, String to) {
        return new Notification(id, to, "Your order " + id + " has shipped.", null, null, null, "crm");
    }

    private static List<Notification> all(Collection<List<Notification>> batch) {
        return batch.stream().flatMap(List::stream).toList();
    }

    @Test
    void aSendThatFitsInTheClaimGoesAhead() throws Exception {
        Outbox outbox = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        store.insert(text("n-1", "+14155550100"), Status.QUEUED);
        Notification claimed = all(outbox.claimDue()).get(0);

        clock.advance(Duration.ofSeconds(5));

        assertThat(outbox.keepClaim(claimed)).isTrue();
        assertThat(store.find("n-1").nextAttemptAt()).as("not extended").isEqualTo(T0.plus(LEASE));
    }

    @Test
    void aSendThatStartsLateInItsBatchExtendsTheClaimFirst() throws Exception {
        Outbox outbox = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        store.insert(text("n-1", "+14155550100"), Status.QUEUED);
        Notification claimed = all(outbox.claimDue()).get(0);

        clock.advance(Duration.ofSeconds(7));

        assertThat(outbox.keepClaim(claimed)).isTrue();
        assertThat(store.find("n-1").nextAttemptAt()).isEqualTo(T0.plusSeconds(7).plus(LEASE));
    }

    @Test
    void aClaimTakenOverByAnotherNodeIsNotSentHere() throws Exception {
        Outbox a = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        Outbox b = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        store.insert(text("n-1", "+14155550100"), Status.QUEUED);
        Notification claimedByA = all(a.claimDue()).get(0);
        clock.advance(LEASE.plusSeconds(1));
        Notification claimedByB = all(b.claimDue()).get(0);

        assertThat(a.keepClaim(claimedByA)).as("A's claim ended and B has it").isFalse();
        assertThat(b.keepClaim(claimedByB)).isTrue();
    }

    @Test
    void aCopyFromAnOlderClaimOfThisNodeIsNotSentTwice() throws Exception {
        Outbox outbox = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        store.insert(text("n-1", "+14155550100"), Status.QUEUED);
        Notification first = all(outbox.claimDue()).get(0);
        clock.advance(LEASE.plusSeconds(1));
        Notification second = all(outbox.claimDue()).get(0);

        assertThat(outbox.keepClaim(first)).as("superseded by the newer claim").isFalse();
        assertThat(outbox.keepClaim(second)).isTrue();
        assertThat(outbox.keepClaim(second)).as("once only").isFalse();
    }

    /** A row stored with this node's claim, as the CSV path stores a chunk: returns when the claim ends. */
    private Instant storeClaimed(Outbox outbox, String id) throws Exception {
        Instant until = outbox.leaseUntil();
        store.insertClaimed(text(id, "+14155550100"), outbox.owner(), until);
        return until;
    }

    @Test
    void aStoredRowSentWellWithinItsClaimGoesAhead() throws Exception {
        Outbox outbox = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        Instant until = storeClaimed(outbox, "n-1");
        clock.advance(Duration.ofSeconds(5));

        assertThat(outbox.keepStoredClaim(text("n-1", "+14155550100"), until)).isTrue();
        assertThat(store.find("n-1").nextAttemptAt()).as("not extended").isEqualTo(until);
    }

    @Test
    void aStoredRowSentLateExtendsItsClaimFirst() throws Exception {
        Outbox outbox = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        Instant until = storeClaimed(outbox, "n-1");
        clock.advance(Duration.ofSeconds(7));

        assertThat(outbox.keepStoredClaim(text("n-1", "+14155550100"), until)).isTrue();
        assertThat(store.find("n-1").nextAttemptAt()).isEqualTo(T0.plusSeconds(7).plus(LEASE));
        clock.advance(LEASE.minusSeconds(1));
        assertThat(outbox.claimDue()).as("the extended claim keeps the outbox off it").isEmpty();
    }

    @Test
    void aStoredRowWhoseClaimEndedAndWasClaimedAgainByThisNodesOutboxIsSentOnceOnly() throws Exception {
        // the CSV path's chunk waited longer than the lease: the same node's outbox claims the row again
        Outbox outbox = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        Instant until = storeClaimed(outbox, "n-1");
        clock.advance(LEASE.plusSeconds(1));
        Notification claimedAgain = all(outbox.claimDue()).get(0);

        assertThat(outbox.keepStoredClaim(text("n-1", "+14155550100"), until)).as("left to the outbox, although the owner is the same")
                .isFalse();
        assertThat(outbox.keepClaim(claimedAgain)).as("the outbox sends it").isTrue();
    }

    @Test
    void aStoredRowTakenOverByAnotherNodeIsNotSentHere() throws Exception {
        Outbox a = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        Outbox b = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        Instant until = storeClaimed(a, "n-1");
        clock.advance(LEASE.plusSeconds(1));
        Notification claimedByB = all(b.claimDue()).get(0);

        assertThat(a.keepStoredClaim(text("n-1", "+14155550100"), until)).isFalse();
        assertThat(b.keepClaim(claimedByB)).isTrue();
    }

    @Test
    void aStoredRowWhoseClaimEndedUnclaimedIsStillSentHere() throws Exception {
        Outbox outbox = new Outbox(claims, clock, LEASE, 10, LONGEST_SEND);
        Instant until = storeClaimed(outbox, "n-1");
        clock.advance(LEASE.plusSeconds(1));

        assertThat(outbox.keepStoredClaim(text("n-1", "+14155550100"), until)).as("nobody claimed it meanwhile: extended").isTrue();
        assertThat(outbox.claimDue()).isEmpty();
    }
}
