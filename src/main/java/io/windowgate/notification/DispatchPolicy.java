package io.windowgate.notification;

import java.time.Instant;

/**
 * Decides how a notification goes out: as a session message, as a template message,
 * or not yet (held / rejected) when the window is closed and no template is usable.
 */
public final class DispatchPolicy {

    /** The branches of the content-based router in notification-dispatch. */
    public enum Decision { SESSION, TEMPLATE, HOLD, REJECT }

    private final SessionWindowPolicy windows;
    private final boolean holdWithoutTemplate;

    /** {@code closedWithoutTemplate} is the value of window.closed-without-template: hold or reject. */
    public DispatchPolicy(SessionWindowPolicy windows, String closedWithoutTemplate) {
        this.windows = windows;
        this.holdWithoutTemplate = switch (closedWithoutTemplate.trim()) {
            case "hold" -> true;
            case "reject" -> false;
            default -> throw new IllegalArgumentException(
                    "window.closed-without-template must be 'hold' or 'reject', was '" + closedWithoutTemplate + "'");
        };
    }

    public Decision decide(Notification notification, Instant lastInboundAt) {
        if (windows.isOpen(lastInboundAt)) {
            return notification.hasSessionContent() ? Decision.SESSION : Decision.TEMPLATE;
        }
        return afterWindowClosed(notification);
    }

    /** The decision once the window is known to be closed (also used when the provider answers 131047). */
    public Decision afterWindowClosed(Notification notification) {
        if (notification.hasTemplate()) {
            return Decision.TEMPLATE;
        }
        return holdWithoutTemplate ? Decision.HOLD : Decision.REJECT;
    }
}
