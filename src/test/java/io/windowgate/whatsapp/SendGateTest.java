package io.windowgate.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import io.windowgate.MutableClock;
import io.windowgate.store.SendingStateStore;
import io.windowgate.store.TestDatabase;
import io.windowgate.whatsapp.SendGate.Admission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The send gate on a test clock: pauses (in the database), Retry-After, per-recipient pacing, the global rate. */
class SendGateTest {

    private static final Instant T0 = Instant.parse("2026-03-10T12:00:00Z");
    private static final String ALICE = "+14155550123";
    private static final String BOB = "+447700900123";

    private final MutableClock clock = new MutableClock(T0);
    /** Nanos that move with the clock, so the gate's buckets refill as the test advances time. */
    private final AtomicLong nanos = new AtomicLong();
    private TestDatabase database;
    private SendingStateStore state;

    @BeforeEach
    void open() {
        database = TestDatabase.hsqldb();
        database.migrate();
        state = new SendingStateStore(database.dataSource(), clock);
    }

    @AfterEach
    void close() throws Exception {
        database.close();
    }

    private SendGate gate(double perSecond, Duration pairInterval, int pairBurst, Duration maxWait) {
        return new SendGate(state, clock, nanos::get, perSecond, pairInterval, pairBurst, maxWait);
    }

    private void advance(Duration d) {
        clock.advance(d);
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void aRecipientGetsItsBurstThenOneMessagePerInterval() throws Exception {
        SendGate gate = gate(1000, Duration.ofSeconds(6), 2, Duration.ZERO);

        assertThat(gate.admit(ALICE).go()).isTrue();
        assertThat(gate.admit(ALICE).go()).isTrue();
        Admission third = gate.admit(ALICE);
        assertThat(third.go()).isFalse();
        assertThat(third.notBefore()).isEqualTo(T0.plusSeconds(6));
        assertThat(third.reason()).contains("pacing");
        assertThat(gate.admit(BOB).go()).as("other recipients are not held up").isTrue();

        advance(Duration.ofSeconds(6));
        assertThat(gate.admit(ALICE).go()).isTrue();
        assertThat(gate.admit(ALICE).go()).isFalse();
    }

    @Test
    void eachBusinessNumberHasItsOwnRateAndItsOwnPacingPerRecipient() throws Exception {
        SendGate gate = gate(2, Duration.ofSeconds(6), 1, Duration.ZERO);
        gate.addNumber("brand-b", 3);

        assertThat(gate.admit(ALICE).go()).isTrue();
        assertThat(gate.admit(ALICE).go()).as("the default's pacing for Alice").isFalse();
        assertThat(gate.admit("brand-b", ALICE).go()).as("B paces Alice apart").isTrue();
        assertThat(gate.admit(BOB).go()).isTrue();
        Admission defaultFull = gate.admit("+14155550109");
        assertThat(defaultFull.go()).as("the default's 2 per second are used").isFalse();
        assertThat(defaultFull.reason()).contains("whatsapp.max-messages-per-second");
        assertThat(gate.admit("brand-b", BOB).go()).as("B's rate is its own").isTrue();
        assertThat(gate.admit("brand-b", "+14155550109").go()).isTrue();
        Admission bFull = gate.admit("brand-b", "+14155550108");
        assertThat(bFull.go()).isFalse();
        assertThat(bFull.reason()).contains("business number brand-b");

        gate.shareWith(3);
        advance(Duration.ofSeconds(1));
        assertThat(gate.admit("brand-b", "+14155550107").go()).as("B: 1 per second per node of 3").isTrue();
        assertThat(gate.admit("brand-b", "+14155550106").go()).isFalse();
    }

    @Test
    void theGlobalRateDefersWhatWouldWaitTooLong() throws Exception {
        SendGate gate = gate(5, Duration.ofSeconds(6), 1000, Duration.ZERO);
        for (int i = 0; i < 5; i++) {
            assertThat(gate.admit("+1415555010" + i).go()).as("send %d of the first second", i).isTrue();
        }
        Admission sixth = gate.admit("+14155550109");
        assertThat(sixth.go()).isFalse();
        assertThat(sixth.notBefore()).isEqualTo(T0.plusMillis(200));
        assertThat(sixth.reason()).contains("max-messages-per-second");

        advance(Duration.ofMillis(200));
        assertThat(gate.admit("+14155550109").go()).isTrue();
        assertThat(gate.admit("+14155550108").go()).isFalse();
    }

    @Test
    void withTwoNodesEachSendsHalfTheRateAndTheWholeRateWhenAlone() throws Exception {
        SendGate gate = gate(10, Duration.ofSeconds(6), 1000, Duration.ZERO);
        gate.shareWith(2);

        assertThat(admitted(gate, 20)).as("a second's worth with two nodes").isEqualTo(5);
        assertThat(gate.admit("+14155550199").notBefore()).as("one every 200 ms").isEqualTo(T0.plusMillis(200));
        advance(Duration.ofSeconds(1));
        assertThat(admitted(gate, 20)).isEqualTo(5);

        gate.shareWith(1); // the other node is gone
        advance(Duration.ofSeconds(1));
        assertThat(admitted(gate, 20)).as("the whole rate again").isEqualTo(10);
        assertThat(gate.sharedBy()).isEqualTo(1);
    }

    private static int admitted(SendGate gate, int tries) throws Exception {
        int go = 0;
        for (int i = 0; i < tries; i++) {
            go += gate.admit(String.format("+1415555%04d", i)).go() ? 1 : 0;
        }
        return go;
    }

    @Test
    void aDeferralByTheGlobalRateDoesNotUseUpTheRecipientsPacing() throws Exception {
        SendGate gate = gate(1, Duration.ofSeconds(6), 1, Duration.ZERO);
        assertThat(gate.admit(BOB).go()).isTrue();

        assertThat(gate.admit(ALICE).go()).as("no global token").isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(gate.admit(ALICE).go()).as("Alice's pacing token was given back").isTrue();
    }

    @Test
    void retryAfterHoldsEveryRecipient() throws Exception {
        SendGate gate = gate(1000, Duration.ofSeconds(6), 1000, Duration.ZERO);

        assertThat(gate.throttled(Duration.ofSeconds(3))).isEqualTo(T0.plusSeconds(3));

        assertThat(gate.admit(ALICE).notBefore()).isEqualTo(T0.plusSeconds(3));
        assertThat(gate.admit(BOB).go()).isFalse();
        advance(Duration.ofSeconds(3));
        assertThat(gate.admit(BOB).go()).isTrue();
    }

    @Test
    void pairRateErrorEmptiesThatRecipientsBucket() throws Exception {
        SendGate gate = gate(1000, Duration.ofSeconds(6), 3, Duration.ZERO);
        assertThat(gate.admit(ALICE).go()).isTrue();

        assertThat(gate.pairLimited(ALICE)).isEqualTo(T0.plusSeconds(6));

        assertThat(gate.admit(ALICE).go()).isFalse();
        assertThat(gate.admit(BOB).go()).isTrue();
    }

    @Test
    void aPauseHoldsEverythingUntilItEndsOrIsResumedAndIsSharedThroughTheDatabase() throws Exception {
        SendGate gate = gate(1000, Duration.ofSeconds(6), 1000, Duration.ZERO);
        gate.pause(T0.plusSeconds(900), 190, "provider error 190");

        Admission paused = gate.admit(ALICE);
        assertThat(paused.go()).isFalse();
        assertThat(paused.notBefore()).isEqualTo(T0.plusSeconds(900));
        assertThat(paused.reason()).contains("190");
        SendGate otherNode = gate(1000, Duration.ofSeconds(6), 1000, Duration.ZERO);
        assertThat(otherNode.admit(ALICE).go()).as("another node reads the pause").isFalse();

        assertThat(gate.pause(T0.plusSeconds(60), 368, "shorter").until()).as("a longer pause is kept")
                .isEqualTo(T0.plusSeconds(900));
        assertThat(gate.resume()).isTrue();
        assertThat(gate.admit(ALICE).go()).isTrue();
        assertThat(gate.resume()).as("nothing to resume").isFalse();

        gate.pause(T0.plusSeconds(60), 190, "again");
        advance(Duration.ofSeconds(61));
        assertThat(gate.admit(BOB).go()).as("the pause ended by itself").isTrue();
    }

    @Test
    void aShortWaitForTheGlobalRateIsSpentInTheGate() throws Exception {
        SendGate gate = new SendGate(state, clock, System::nanoTime, 50, Duration.ofSeconds(6), 1000,
                Duration.ofSeconds(1));
        long start = System.nanoTime();
        for (int i = 0; i < 60; i++) {
            assertThat(gate.admit(String.format("+1415555%04d", i)).go()).isTrue();
        }
        // 50 at once, then 10 more at 50 per second
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(180));
    }
}
