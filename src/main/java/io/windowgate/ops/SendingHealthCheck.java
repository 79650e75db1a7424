package io.windowgate.ops;

import java.util.Map;

import io.windowgate.store.SendingStateStore.Pause;
import io.windowgate.whatsapp.SendGate;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Shows the sending state on /observe/health without ever taking readiness down. A pause after an account-level
 * provider error (token expired, account locked, policy block) stops only the sends: webhooks, CRM pushes, pulls and
 * drops are still accepted and queued, so the node can accept work. A load balancer or Kubernetes Service that took
 * every paused node out would refuse that work at the door (503) for the whole pause, on every node at once, as the
 * pause is shared. The pause is reported here as details, as the gauge {@code windowgate_sending_paused}, and by the
 * alert built on it. Not in liveness either: restarting would not help.
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
        builder.up();
        try {
            Pause pause = gate.pause();
            if (pause == null) {
                builder.detail("state", "SENDING");
                return;
            }
            builder.detail("state", "PAUSED");
            builder.detail("paused.until", pause.until().toString());
            builder.detail("paused.error.code", pause.errorCode());
            builder.message("sending paused until " + pause.until() + ": " + pause.reason()
                    + "; notifications are still accepted and stay queued. Resume with POST /api/sending/resume once "
                    + "the cause is fixed.");
        } catch (Exception e) {
            // the database check reports the database; this one only cannot tell the state
            builder.detail("state", "UNKNOWN");
            builder.message("cannot read the sending state: " + e.getMessage());
        }
    }
}
