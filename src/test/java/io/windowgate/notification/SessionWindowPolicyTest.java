package io.windowgate.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

/** The customer service window rule: 24 h from the latest inbound message, closing a safety margin early. */
class SessionWindowPolicyTest {

    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private final SessionWindowPolicy policy = new SessionWindowPolicy(CLOCK, 24, Duration.ofMinutes(5));
    private final SessionWindowPolicy noMargin = new SessionWindowPolicy(CLOCK, 24, Duration.ZERO);

    private static Instant ago(Duration duration) {
        return NOW.minus(duration);
    }

    @Test
    void noInboundMessageMeansClosed() {
        assertThat(policy.isOpen(null)).isFalse();
    }

    @Test
    void messageOneMinuteAgoIsOpen() {
        assertThat(policy.isOpen(ago(Duration.ofMinutes(1)))).isTrue();
    }

    @Test
    void messageJustBeforeTheMarginIsOpen() {
        assertThat(policy.isOpen(ago(Duration.ofHours(23).plusMinutes(54)))).isTrue();
        assertThat(policy.isOpen(ago(Duration.ofHours(23).plusMinutes(55).minusSeconds(1)))).isTrue();
    }

    @Test
    void messageExactlyWindowMinusMarginAgoIsClosed() {
        assertThat(policy.isOpen(ago(Duration.ofHours(23).plusMinutes(55)))).isFalse();
    }

    @Test
    void messageInsideTheSafetyMarginIsClosed() {
        assertThat(policy.isOpen(ago(Duration.ofHours(23).plusMinutes(59)))).isFalse();
    }

    @Test
    void messageExactlyTwentyFourHoursAgoIsClosed() {
        assertThat(policy.isOpen(ago(Duration.ofHours(24)))).isFalse();
    }

    @Test
    void messageTwentyFiveHoursAgoIsClosed() {
        assertThat(policy.isOpen(ago(Duration.ofHours(25)))).isFalse();
    }

    @Test
    void withoutMarginTheWindowIsOpenUntilTheLastSecond() {
        assertThat(noMargin.isOpen(ago(Duration.ofHours(23).plusMinutes(59).plusSeconds(59)))).isTrue();
        assertThat(noMargin.isOpen(ago(Duration.ofHours(24)))).isFalse();
    }

    @Test
    void messageFromTheFutureCountsAsOpen() {
        // clock skew between the webhook sender and us must not close a window that was just opened
        assertThat(policy.isOpen(NOW.plusSeconds(30))).isTrue();
    }

    @Test
    void cutoffIsNowMinusWindowPlusMargin() {
        assertThat(policy.cutoff()).isEqualTo(Instant.parse("2026-03-09T12:05:00Z"));
        assertThat(noMargin.cutoff()).isEqualTo(Instant.parse("2026-03-09T12:00:00Z"));
    }

    @Test
    void cutoffFollowsTheClock() {
        SessionWindowPolicy later = new SessionWindowPolicy(Clock.offset(CLOCK, Duration.ofHours(1)), 24,
                Duration.ofMinutes(5));
        assertThat(later.cutoff()).isEqualTo(Instant.parse("2026-03-09T13:05:00Z"));
    }

    @Test
    void constructorRejectsNonPositiveHours() {
        assertThatThrownBy(() -> new SessionWindowPolicy(CLOCK, 0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window.hours");
        assertThatThrownBy(() -> new SessionWindowPolicy(CLOCK, -24, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window.hours");
    }

    @Test
    void constructorRejectsAMarginAsLongAsTheWindowOrLonger() {
        assertThatThrownBy(() -> new SessionWindowPolicy(CLOCK, 24, Duration.ofHours(24)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window.safety-margin");
        assertThatThrownBy(() -> new SessionWindowPolicy(CLOCK, 1, Duration.ofMinutes(61)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window.safety-margin");
    }

    @Test
    void constructorRejectsANegativeMargin() {
        assertThatThrownBy(() -> new SessionWindowPolicy(CLOCK, 24, Duration.ofMinutes(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window.safety-margin");
    }

    @Test
    void marginJustBelowTheWindowIsAccepted() {
        SessionWindowPolicy tight = new SessionWindowPolicy(CLOCK, 1, Duration.ofMinutes(59));
        assertThat(tight.isOpen(ago(Duration.ofSeconds(59)))).isTrue();
        assertThat(tight.isOpen(ago(Duration.ofMinutes(1)))).isFalse();
    }
}
