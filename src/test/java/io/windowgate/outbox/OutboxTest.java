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

    @BeforeEach
    void open() {
        database = TestDatabase.hsqldb();
        database.migrate();
        store = new NotificationStore(database.dataSource(), clock);
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
        Outbox outbox = new Outbox(store, clock, LEASE, 10, LONGEST_SEND);
        store.insert(text("n-1", "+14155550100"), Status.QUEUED);
        Notification claimed = all(outbox.claimDue()).get(0);

        clock.advance(Duration.ofSeconds(5));

        assertThat(outbox.keepClaim(claimed)).isTrue();
        assertThat(store.find("n-1").nextAttemptAt()).as("not extended").isEqualTo(T0.plus(LEASE));
    }

    @Test
    void aSendThatStartsLateInItsBatchExtendsTheClaimFirst() throws Exception {
        Outbox outbox = new Outbox(store, clock, LEASE, 10, LONGEST_SEND);
        store.insert(text("n-1", "+14155550100"), Status.QUEUED);
        Notification claimed = all(outbox.claimDue()).get(0);

        clock.advance(Duration.ofSeconds(7));

        assertThat(outbox.keepClaim(claimed)).isTrue();
        assertThat(store.find("n-1").nextAttemptAt()).isEqualTo(T0.plusSeconds(7).plus(LEASE));
    }

    @Test
    void aClaimTakenOverByAnotherNodeIsNotSentHere() throws Exception {
        Outbox a = new Outbox(store, clock, LEASE, 10, LONGEST_SEND);
        Outbox b = new Outbox(store, clock, LEASE, 10, LONGEST_SEND);
        store.insert(text("n-1", "+14155550100"), Status.QUEUED);
        Notification claimedByA = all(a.claimDue()).get(0);
        clock.advance(LEASE.plusSeconds(1));
        Notification claimedByB = all(b.claimDue()).get(0);

        assertThat(a.keepClaim(claimedByA)).as("A's claim ended and B has it").isFalse();
        assertThat(b.keepClaim(claimedByB)).isTrue();
    }

    @Test
    void aCopyFromAnOlderClaimOfThisNodeIsNotSentTwice() throws Exception {
        Outbox outbox = new Outbox(store, clock, LEASE, 10, LONGEST_SEND);
        store.insert(text("n-1", "+14155550100"), Status.QUEUED);
        Notification first = all(outbox.claimDue()).get(0);
        clock.advance(LEASE.plusSeconds(1));
        Notification second = all(outbox.claimDue()).get(0);

        assertThat(outbox.keepClaim(first)).as("superseded by the newer claim").isFalse();
        assertThat(outbox.keepClaim(second)).isTrue();
        assertThat(outbox.keepClaim(second)).as("once only").isFalse();
    }
}
