package io.windowgate.ops;

import java.util.Map;

import io.windowgate.store.SendingStateStore.Pause;
import io.windowgate.whatsapp.SendGate;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness reports DOWN while sending is paused after an account-level provider error (token expired, account locked,
 * policy block): notifications are still accepted and queued, but none go out until the pause ends or an operator
 * resumes. Liveness is not affected: restarting would not help.
 */
public final class SendingHealthCheck extends AbstractHealthCheck {

    private final SendGate gate;

    public SendingHealthCheck(SendGate gate) {
        super("windowgate", "sending");
        this.gate = gate;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            Pause pause = gate.pause();
            if (pause == null) {
                builder.up();
                return;
            }
            builder.detail("paused.until", pause.until().toString());
            builder.detail("paused.error.code", pause.errorCode());
            builder.message("sending paused until " + pause.until() + ": " + pause.reason()
                    + "; notifications stay queued. Resume with POST /api/sending/resume once the cause is fixed.");
            builder.down();
        } catch (Exception e) {
            builder.message("cannot read the sending state: " + e.getMessage()).down();
        }
    }
}
