package io.windowgate.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.windowgate.notification.DispatchPolicy.Decision;
import org.junit.jupiter.api.Test;

/** Session / template / hold / reject decision for a notification given its recipient's window. */
class DispatchPolicyTest {

    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    private static final Instant OPEN = NOW.minus(Duration.ofHours(1));
    private static final Instant CLOSED = NOW.minus(Duration.ofHours(30));

    private final SessionWindowPolicy windows =
            new SessionWindowPolicy(Clock.fixed(NOW, ZoneOffset.UTC), 24, Duration.ofMinutes(5));
    private final DispatchPolicy hold = new DispatchPolicy(windows, "hold");
    private final DispatchPolicy reject = new DispatchPolicy(windows, "reject");

    private static Notification notification(String text, TemplateRef template) {
        return new Notification("n-1", "+14155550123", text, template, Category.UTILITY, null, "crm");
    }

    private static TemplateRef template() {
        return new TemplateRef("order_shipped", "en_US", List.of("123"), Map.of());
    }

    @Test
    void openWindowWithTextIsASessionMessage() {
        assertThat(hold.decide(notification("hi", null), OPEN)).isEqualTo(Decision.SESSION);
        assertThat(hold.decide(notification("hi", template()), OPEN)).isEqualTo(Decision.SESSION);
    }

    @Test
    void openWindowWithOnlyATemplateIsATemplateMessage() {
        assertThat(hold.decide(notification(null, template()), OPEN)).isEqualTo(Decision.TEMPLATE);
    }

    @Test
    void closedWindowWithATemplateIsATemplateMessage() {
        assertThat(hold.decide(notification("hi", template()), CLOSED)).isEqualTo(Decision.TEMPLATE);
        assertThat(reject.decide(notification(null, template()), CLOSED)).isEqualTo(Decision.TEMPLATE);
    }

    @Test
    void noInboundMessageAtAllCountsAsClosed() {
        assertThat(hold.decide(notification("hi", template()), null)).isEqualTo(Decision.TEMPLATE);
        assertThat(hold.decide(notification("hi", null), null)).isEqualTo(Decision.HOLD);
    }

    @Test
    void closedWindowWithOnlyTextIsHeldByDefault() {
        assertThat(hold.decide(notification("hi", null), CLOSED)).isEqualTo(Decision.HOLD);
    }

    @Test
    void closedWindowWithOnlyTextIsRejectedWhenConfigured() {
        assertThat(reject.decide(notification("hi", null), CLOSED)).isEqualTo(Decision.REJECT);
    }

    @Test
    void windowInsideTheSafetyMarginCountsAsClosed() {
        Instant almostExpired = NOW.minus(Duration.ofHours(23).plusMinutes(58));
        assertThat(hold.decide(notification("hi", null), almostExpired)).isEqualTo(Decision.HOLD);
    }

    @Test
    void configValueIsTrimmed() {
        assertThat(new DispatchPolicy(windows, " reject ").decide(notification("hi", null), CLOSED))
                .isEqualTo(Decision.REJECT);
    }

    @Test
    void invalidConfigValueIsRejectedWithAClearMessage() {
        assertThatThrownBy(() -> new DispatchPolicy(windows, "drop"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window.closed-without-template")
                .hasMessageContaining("'hold' or 'reject'")
                .hasMessageContaining("'drop'");
    }

    @Test
    void afterWindowClosedPrefersTheTemplate() {
        assertThat(hold.afterWindowClosed(notification("hi", template()))).isEqualTo(Decision.TEMPLATE);
        assertThat(reject.afterWindowClosed(notification(null, template()))).isEqualTo(Decision.TEMPLATE);
    }

    @Test
    void afterWindowClosedWithoutTemplateHoldsOrRejects() {
        assertThat(hold.afterWindowClosed(notification("hi", null))).isEqualTo(Decision.HOLD);
        assertThat(reject.afterWindowClosed(notification("hi", null))).isEqualTo(Decision.REJECT);
    }
}
