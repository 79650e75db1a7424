package io.windowgate.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
        Admission defaultNext = gate.admit("+14155550109");
        assertThat(defaultNext.go()).as("the default's next send: two per 1.025 s").isFalse();
        assertThat(defaultNext.notBefore()).isEqualTo(T0.plusNanos(512_500_000));
        assertThat(defaultNext.reason()).contains("whatsapp.max-messages-per-second");
        assertThat(gate.admit("brand-b", BOB).go()).as("B's rate is its own").isFalse();
        Admission bNext = gate.admit("brand-b", "+14155550108");
        assertThat(bNext.notBefore()).as("B: three per 1.025 s").isEqualTo(T0.plusNanos(341_666_667));
        assertThat(bNext.reason()).contains("business number brand-b");
        advance(Duration.ofMillis(600));
        assertThat(gate.admit(BOB).go()).isTrue();
        assertThat(gate.admit("brand-b", BOB).go()).isTrue();

        gate.shareWith(3);
        advance(Duration.ofSeconds(2));
        assertThat(gate.admit("brand-b", "+14155550107").go()).as("B: 1 per second per node of 3").isTrue();
        assertThat(gate.admit("brand-b", "+14155550106").notBefore()).isEqualTo(T0.plusMillis(3625));
    }

    @Test
    void theGlobalRateDefersWhatWouldWaitTooLong() throws Exception {
        SendGate gate = gate(50, Duration.ofSeconds(6), 1000, Duration.ZERO);
        for (int i = 0; i < 5; i++) {
            assertThat(gate.admit("+1415555010" + i).go()).as("send %d of the first tenth of a second", i).isTrue();
        }
        Admission sixth = gate.admit("+14155550109");
        assertThat(sixth.go()).isFalse();
        assertThat(sixth.notBefore()).as("one every 20.5 ms after the burst").isEqualTo(T0.plusNanos(20_500_000));
        assertThat(sixth.reason()).contains("max-messages-per-second");

        advance(Duration.ofMillis(21));
        assertThat(gate.admit("+14155550109").go()).isTrue();
        assertThat(gate.admit("+14155550108").go()).isFalse();
    }

    @Test
    void withTwoNodesEachSendsHalfTheRateAndTheWholeRateWhenAlone() throws Exception {
        SendGate gate = gate(100, Duration.ofSeconds(6), 1000, Duration.ZERO);
        gate.shareWith(2);

        assertThat(admitted(gate, 20)).as("a tenth of a second's worth with two nodes").isEqualTo(5);
        assertThat(gate.admit("+14155550199").notBefore()).as("one every 20.5 ms")
                .isEqualTo(T0.plusNanos(20_500_000));
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
        advance(Duration.ofMillis(1025));
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
    void aRefusalWithoutRetryAfterHoldsBrieflyAndLongerWhileRefusalsGoOn() throws Exception {
        SendGate gate = gate(1000, Duration.ofSeconds(6), 1000, Duration.ZERO);
        Duration longest = Duration.ofMillis(1500);

        Instant start = clock.instant();
        assertThat(gate.throttledWithoutRetryAfter(longest)).as("a first refusal")
                .isEqualTo(start.plus(SendGate.FIRST_HOLD));
        assertThat(gate.admit(ALICE).notBefore()).isEqualTo(start.plus(SendGate.FIRST_HOLD));
        advance(Duration.ofMillis(100));
        assertThat(gate.throttledWithoutRetryAfter(longest)).as("the same burst: the hold stays")
                .isEqualTo(clock.instant().plus(SendGate.FIRST_HOLD));

        advance(Duration.ofSeconds(2));
        assertThat(gate.admit(BOB).go()).as("the hold is over").isTrue();
        assertThat(gate.throttledWithoutRetryAfter(longest)).as("another refusal soon after: twice as long")
                .isEqualTo(clock.instant().plus(SendGate.FIRST_HOLD.multipliedBy(2)));
        advance(Duration.ofSeconds(2));
        assertThat(gate.throttledWithoutRetryAfter(longest)).as("and again: four times")
                .isEqualTo(clock.instant().plus(SendGate.FIRST_HOLD.multipliedBy(4)));
        advance(Duration.ofSeconds(2));
        assertThat(gate.throttledWithoutRetryAfter(longest)).as("never longer than the back-off")
                .isEqualTo(clock.instant().plus(longest));

        advance(Duration.ofMinutes(1));
        assertThat(gate.throttledWithoutRetryAfter(longest)).as("a minute without refusals: short again")
                .isEqualTo(clock.instant().plus(SendGate.FIRST_HOLD));
        assertThat(gate.admit(ALICE).go()).isFalse();

        advance(Duration.ofMillis(900));
        assertThat(gate.throttledWithoutRetryAfter(longest)).as("0.9 s after the burst began: the same burst")
                .isEqualTo(clock.instant().plus(SendGate.FIRST_HOLD));
        advance(Duration.ofMillis(900));
        assertThat(gate.throttledWithoutRetryAfter(longest)).as("refusals 0.9 s apart still make the hold grow")
                .isEqualTo(clock.instant().plus(SendGate.FIRST_HOLD.multipliedBy(2)));
    }

    @Test
    void aShortRetryAfterIsWaitedOutInTheGateAndALongOneDefers() throws Exception {
        SendGate gate = new SendGate(state, clock, System::nanoTime, 1000, Duration.ofSeconds(6), 1000,
                Duration.ofSeconds(1));

        long start = System.nanoTime();
        gate.throttled(Duration.ofMillis(300));
        assertThat(gate.admit(ALICE).go()).as("300 ms fit into the gate's wait of 1 s").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

        gate.throttled(Duration.ofSeconds(3));
        Admission bob = gate.admit(BOB);
        assertThat(bob.go()).isFalse();
        assertThat(bob.reason()).contains("Retry-After");
        assertThat(bob.notBefore()).isAfter(T0.plusSeconds(2));
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
        // 5 at once, then 55 more at 50 per second: the 51st a second after the first at the earliest
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void noOneSecondWindowEverHoldsMoreSendsThanTheRate() throws Exception {
        SendGate gate = gate(400, Duration.ofSeconds(6), 1000, Duration.ZERO);
        List<Long> starts = drive(gate, "default", Duration.ofSeconds(20), new Random(7));

        assertEveryWindowAtMost(starts, 400);
        assertThat(starts.size()).as("the rate is used: 20 s at 400 per 1.025 s").isGreaterThanOrEqualTo(7_700);
    }

    @Test
    void eachNodesShareAndEachNumberStayUnderTheirRateInEveryWindow() throws Exception {
        SendGate gate = gate(400, Duration.ofSeconds(6), 1000, Duration.ZERO);
        gate.addNumber("brand-b", 90);
        gate.shareWith(3);
        Random random = new Random(11);
        List<Long> defaultStarts = drive(gate, "default", Duration.ofSeconds(10), random);
        List<Long> bStarts = drive(gate, "brand-b", Duration.ofSeconds(10), random);

        assertEveryWindowAtMost(defaultStarts, 133);
        assertEveryWindowAtMost(bStarts, 30);
        assertThat(defaultStarts.size()).isGreaterThanOrEqualTo(1_250);
        assertThat(bStarts.size()).isGreaterThanOrEqualTo(285);
    }

    @Test
    void aBurstHoldsAFractionOfASecondsWorth() throws Exception {
        SendGate gate = gate(400, Duration.ofSeconds(6), 1000, Duration.ZERO);

        assertThat(admitted(gate, 400)).as("a tenth of a second's worth at once").isEqualTo(40);
    }

    @Test
    void sendsThatWaitForTheirTurnStayUnderTheRateInEveryWindow() {
        SendGate.SendRate rate = new SendGate.SendRate(400, 0);
        Random random = new Random(3);
        List<Long> starts = new ArrayList<>();
        long maxWait = Duration.ofSeconds(2).toNanos();
        for (long now = 0; now < Duration.ofSeconds(20).toNanos(); now += random.nextInt(2_000_000)) {
            for (int i = random.nextInt(4); i > 0; i--) {
                long wait = rate.reserve(now, maxWait);
                if (wait >= 0) {
                    assertThat(wait).isLessThanOrEqualTo(maxWait);
                    starts.add(now + wait);
                }
            }
        }
        starts.sort(null);

        assertEveryWindowAtMost(starts, 400);
        assertThat(starts.size()).isGreaterThanOrEqualTo(7_700);
    }

    @Test
    void aSendThatLeavesLateHoldsBackTheSendsBookedASecondAfterIt() {
        SendGate.SendRate rate = new SendGate.SendRate(10, 0);
        long maxWait = Duration.ofSeconds(2).toNanos();
        long late = Duration.ofMillis(100).toNanos();
        List<Long> departures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long turn = rate.reserve(0, maxWait * 2);
            // two senders wake up 100 ms after their turn (a busy machine), the others on time
            long at = turn + (i == 0 || i == 15 ? late : 0);
            for (long wait = rate.depart(at); wait > 0; wait = rate.depart(at)) {
                at += wait;
            }
            departures.add(at);
        }
        departures.sort(null);

        assertEveryWindowAtMost(departures, 10);
        assertThat(departures.get(10) - departures.get(0))
                .as("the eleventh leaves a second after the first really left, not a second after its turn")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
    }

    /** Eleven sends offered at once from {@code from} on at a rate of 10: how long after the first the eleventh left. */
    private static long eleventhAfterFirst(SendGate.SendRate rate, long from) {
        List<Long> departures = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            long at = from + rate.reserve(from, Duration.ofSeconds(5).toNanos());
            for (long wait = rate.depart(at); wait > 0; wait = rate.depart(at)) {
                at += wait;
            }
            departures.add(at);
        }
        return departures.get(10) - departures.get(0);
    }

    @Test
    void after130429TheWindowWidensForAWhileAndNarrowsBackWithoutAnother() {
        SendGate.SendRate rate = new SendGate.SendRate(10, 0);
        long second = Duration.ofSeconds(1).toNanos();
        long margin = SendGate.SendRate.MARGIN;
        long step = SendGate.SendRate.WIDEN_STEP;
        assertThat(eleventhAfterFirst(rate, 0)).isEqualTo(second + margin);

        rate.widen(10 * second);
        rate.widen(10 * second + second / 2);
        assertThat(eleventhAfterFirst(rate, 10 * second)).as("a burst of refusals widens once")
                .isEqualTo(second + margin + step);
        rate.widen(20 * second);
        assertThat(eleventhAfterFirst(rate, 20 * second)).as("another one widens further (the first one's step "
                + "already a sixth less)").isEqualTo(second + margin + 2 * step - step * 10 / 60);
        for (int i = 0; i < 10; i++) {
            rate.widen((30 + 2 * i) * second);
        }
        assertThat(eleventhAfterFirst(rate, 60 * second)).as("up to a limit")
                .isLessThanOrEqualTo(second + margin + SendGate.SendRate.MOST_WIDENED);

        long later = 48 * second + 4 * SendGate.SendRate.NARROW_EVERY;
        assertThat(eleventhAfterFirst(rate, later)).as("a step less every NARROW_EVERY without another 130429")
                .isEqualTo(second + margin);
    }

    @Test
    void theGateWidensEveryNumbersWindowWhenTheProviderRefusesWith130429() throws Exception {
        // no waiting in the gate: a send goes at once or is deferred, so that the test clock alone decides
        SendGate gate = gate(10, Duration.ofMillis(1), 1000, Duration.ZERO);
        gate.addNumber("brand-b", 10);
        gate.throttled(Duration.ofMillis(100));
        Map<String, List<Long>> starts = new HashMap<>();
        for (int tick = 0; tick < 3000; tick++) {
            for (String number : List.of("default", "brand-b")) {
                if (gate.admit(number, String.format("+1415%07d", tick)).go()) {
                    starts.computeIfAbsent(number, n -> new ArrayList<>()).add(nanos.get());
                }
            }
            advance(Duration.ofMillis(1));
        }
        for (String number : List.of("default", "brand-b")) {
            List<Long> sent = starts.get(number);
            assertThat(sent.get(0)).as(number + ": none before the Retry-After")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
            assertThat(sent.get(10) - sent.get(0)).as(number + ": the eleventh a step later than the margin alone")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos() + SendGate.SendRate.MARGIN
                            + SendGate.SendRate.WIDEN_STEP);
        }
    }

    @Test
    void aRateFarAboveAnyTierNeedsNoMoreMemoryThanAHundredThousandStarts() throws Exception {
        SendGate gate = gate(1e9, Duration.ofSeconds(6), 1000, Duration.ZERO);

        assertThat(admitted(gate, 1000)).as("lifted: all at once").isEqualTo(1000);
    }

    /**
     * Offers sends from {@code number} for {@code duration} of test time at about twice the rate (0 to 4 every 0 to 2
     * ms), each to a new recipient; returns the test nanos at which the gate let one go.
     */
    private List<Long> drive(SendGate gate, String number, Duration duration, Random random) throws Exception {
        List<Long> starts = new ArrayList<>();
        long end = nanos.get() + duration.toNanos();
        int recipient = 0;
        while (nanos.get() < end) {
            for (int i = random.nextInt(5); i > 0; i--) {
                if (gate.admit(number, String.format("+1415%07d", recipient++)).go()) {
                    starts.add(nanos.get());
                }
            }
            advance(Duration.ofNanos(random.nextInt(2_000_000)));
        }
        return starts;
    }

    /** Every one-second window [t, t + 1 s) holds at most {@code limit} of the sorted {@code starts}. */
    private static void assertEveryWindowAtMost(List<Long> starts, int limit) {
        long second = Duration.ofSeconds(1).toNanos();
        int first = 0;
        int most = 0;
        long mostAt = 0;
        for (int last = 0; last < starts.size(); last++) {
            while (starts.get(last) - starts.get(first) >= second) {
                first++;
            }
            if (last - first + 1 > most) {
                most = last - first + 1;
                mostAt = starts.get(first);
            }
        }
        assertThat(most).as("most sends in one second (from %d ms)", mostAt / 1_000_000).isLessThanOrEqualTo(limit);
    }
}
