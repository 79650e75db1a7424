package io.windowgate.notification;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The customer service window rule: a window is open for {@code window.hours} after the customer's latest message,
 * treated as closing {@code window.safety-margin} early. Pure; time comes from the injected {@link Clock}.
 */
public final class SessionWindowPolicy {

    private final Clock clock;
    private final Duration window;
    private final Duration usableWindow;

    public SessionWindowPolicy(Clock clock, int windowHours, Duration safetyMargin) {
        if (windowHours <= 0) {
            throw new IllegalArgumentException("window.hours must be positive, was " + windowHours);
        }
        if (safetyMargin.isNegative() || safetyMargin.compareTo(Duration.ofHours(windowHours)) >= 0) {
            throw new IllegalArgumentException("window.safety-margin must be between zero and window.hours, was "
                    + safetyMargin);
        }
        this.clock = clock;
        this.window = Duration.ofHours(windowHours);
        this.usableWindow = window.minus(safetyMargin);
    }

    /** Whether a free-form message may be sent now to a customer whose latest message arrived at the given instant. */
    public boolean isOpen(Instant lastInboundAt) {
        return lastInboundAt != null && lastInboundAt.isAfter(cutoff());
    }

    /** When WhatsApp closes the window the customer's latest message (at {@code lastInboundAt}) opened. */
    public Instant closesAt(Instant lastInboundAt) {
        return lastInboundAt.plus(window);
    }

    /** The last instant a free-form message may go into that window: its close less the safety margin. */
    public Instant sendableUntil(Instant lastInboundAt) {
        return lastInboundAt.plus(usableWindow);
    }

    /** Windows whose latest inbound message is at or before this instant are closed. */
    public Instant cutoff() {
        return clock.instant().minus(usableWindow);
    }
}
