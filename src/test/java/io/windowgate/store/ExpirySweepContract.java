package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.notification.Status;
import io.windowgate.ops.ExpirySweep;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ExpirySweep on a real database with a fixed clock: 24 h windows with a 5 min margin, hold.max-age of 7 days. */
abstract class ExpirySweepContract extends StoreTestSupport {

    private static final Instant NOW = Instant.parse("2026-03-20T08:30:00Z");
    private static final Duration HOLD_MAX_AGE = Duration.ofDays(7);

    private SessionWindowPolicy policy;
    private ExpirySweep sweep;

    @BeforeEach
    void createSweep() {
        policy = new SessionWindowPolicy(clock, 24, Duration.ofMinutes(5));
        sweep = new ExpirySweep(windows, notifications, policy, HOLD_MAX_AGE, clock, io.windowgate.callback.Callbacks.none(clock));
    }

    @Test
    void windowStaysOpenAtTwentyThreeHoursFiftyFourAndExpiresAtTwentyThreeHoursFiftyFive() throws Exception {
        Instant stillOpen = NOW.minus(Duration.ofHours(23).plusMinutes(54));
        Instant atMargin = NOW.minus(Duration.ofHours(23).plusMinutes(55));
        windows.recordInbound(ALICE, stillOpen, "wamid.alice");
        windows.recordInbound(BOB, atMargin, "wamid.bob");
        clock.set(NOW);

        ExpirySweep.Result result = sweep.run();

        assertThat(result.windowsExpired()).isEqualTo(1);
        assertThat(windowState(ALICE)).isEqualTo("OPEN");
        assertThat(windowState(BOB)).isEqualTo("EXPIRED");
        // the sweep and the dispatch decision agree on the edge
        assertThat(policy.isOpen(windows.lastInboundAt(ALICE))).isTrue();
        assertThat(policy.isOpen(windows.lastInboundAt(BOB))).isFalse();
    }

    @Test
    void heldNotificationsOlderThanHoldMaxAgeExpireYoungerOnesStayHeld() throws Exception {
        Instant limit = NOW.minus(HOLD_MAX_AGE);
        clock.set(limit.minus(Duration.ofDays(2)));
        notifications.insert(sessionText("held-old", ALICE), Status.HELD);
        notifications.insert(sessionText("queued-old", ALICE), Status.QUEUED);
        clock.set(limit.minusNanos(1_000));
        notifications.insert(sessionText("held-just-before", ALICE), Status.HELD);
        clock.set(limit.plusNanos(1_000));
        notifications.insert(sessionText("held-just-after", BOB), Status.HELD);
        clock.set(NOW.minusSeconds(60));
        notifications.insert(sessionText("held-young", BOB), Status.HELD);
        clock.set(NOW);

        ExpirySweep.Result result = sweep.run();

        assertThat(result.heldExpired()).isEqualTo(2);
        assertThat(notifications.find("held-old").status()).isEqualTo(Status.EXPIRED);
        assertThat(notifications.find("held-old").errorDetails()).contains("hold.max-age");
        assertThat(notifications.find("held-old").updatedAt()).isEqualTo(NOW);
        assertThat(notifications.find("held-just-before").status()).isEqualTo(Status.EXPIRED);
        assertThat(notifications.find("held-just-after").status()).isEqualTo(Status.HELD);
        assertThat(notifications.find("held-young").status()).isEqualTo(Status.HELD);
        assertThat(notifications.find("queued-old").status()).isEqualTo(Status.QUEUED);
        assertThat(notifications.releaseHeld(ALICE)).as("expired notifications are never released").isZero();
    }

    @Test
    void secondSweepFindsNothingLeftToExpire() throws Exception {
        clock.set(NOW.minus(Duration.ofDays(10)));
        windows.recordInbound(ALICE, clock.instant(), "wamid.alice");
        notifications.insert(sessionText("held-old", ALICE), Status.HELD);
        clock.set(NOW);
        assertThat(sweep.run()).isEqualTo(new ExpirySweep.Result(1, 1));

        assertThat(sweep.run()).isEqualTo(new ExpirySweep.Result(0, 0));
    }
}
