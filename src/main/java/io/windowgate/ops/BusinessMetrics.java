package io.windowgate.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.windowgate.store.MetricsStore;
import io.windowgate.store.MetricsStore.Family;
import io.windowgate.whatsapp.SendGate;
import io.windowgate.whatsapp.WebhookEvents.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The business gauges on /observe/metrics: outbox depth and the age of its oldest due notification, notifications
 * waiting by status, HELD by reason, the sending pause, bulk-file progress, and the lag of webhooks. Registered once;
 * the database figures are read together by a few indexed queries ({@link MetricsStore}) at most once per
 * {@code maxAge}, whatever the number of scrapers, and never per message. While the database cannot be read the
 * gauges read NaN (no value), not a stale one.
 */
public final class BusinessMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(BusinessMetrics.class);

    private final MetricsStore store;
    private final SendGate gate;
    private final Clock clock;
    private final Duration maxAge;
    private Map<String, Double> figures = Map.of();
    private Instant readAt = Instant.MIN;
    private boolean failing;
    private volatile Timer webhookLag;

    public BusinessMetrics(MetricsStore store, SendGate gate, Clock clock, Duration maxAge) {
        this.store = store;
        this.gate = gate;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** Registers every gauge with the registry /observe/metrics is scraped from. */
    public void bindTo(MeterRegistry registry) {
        for (Family family : MetricsStore.FAMILIES) {
            for (String value : family.values()) {
                gauge(family.metric(), family.description(), MetricsStore.key(family.metric(), value))
                        .tag(family.label(), value).register(registry);
            }
        }
        gauge("windowgate.outbox.depth", "QUEUED notifications: due, claimed or waiting for a retry",
                MetricsStore.key("windowgate.notifications", "QUEUED")).register(registry);
        gauge(MetricsStore.OUTBOX_DUE, "QUEUED notifications due now and not claimed by a sender",
                MetricsStore.OUTBOX_DUE).register(registry);
        gauge(MetricsStore.OUTBOX_OLDEST_DUE_AGE, "How long the oldest due notification has been waiting "
                + "for a sender (0 when none is due)", MetricsStore.OUTBOX_OLDEST_DUE_AGE).baseUnit("seconds")
                .register(registry);
        gauge(MetricsStore.FILES_RUNNING, "Bulk files being processed", MetricsStore.FILES_RUNNING)
                .register(registry);
        for (String state : MetricsStore.FILE_ROW_STATES) {
            gauge(MetricsStore.FILE_ROWS, "Rows of the bulk files being processed, by outcome so far "
                    + "(total = the files' data rows)", MetricsStore.key(MetricsStore.FILE_ROWS, state))
                    .tag("state", state).register(registry);
        }
        Gauge.builder("windowgate.sending.paused", this, BusinessMetrics::paused)
                .description("1 while all sending is paused after an account-level provider error or by an operator")
                .register(registry);
        webhookLag = Timer.builder("windowgate.webhook.lag")
                .description("Time from the provider's timestamp of the oldest event in a webhook to its processing")
                .register(registry);
    }

    /** After a webhook was applied: how late its oldest event (message or status) was processed. */
    public void webhookApplied(Outcome outcome) {
        Timer lag = webhookLag;
        if (lag != null && outcome != null && outcome.oldestEventAt() != null) {
            lag.record(Math.max(0, clock.millis() - outcome.oldestEventAt().toEpochMilli()), TimeUnit.MILLISECONDS);
        }
    }

    private Gauge.Builder<BusinessMetrics> gauge(String name, String description, String key) {
        ToDoubleFunction<BusinessMetrics> value = m -> m.figure(key);
        return Gauge.builder(name, this, value).description(description);
    }

    private double paused() {
        try {
            return gate.pause() == null ? 0 : 1;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private synchronized double figure(String key) {
        Instant now = clock.instant();
        if (Duration.between(readAt, now).compareTo(maxAge) >= 0) {
            readAt = now;
            try {
                figures = store.read(now);
                if (failing) {
                    LOG.info("Business metrics readable again");
                    failing = false;
                }
            } catch (Exception e) {
                figures = Map.of();
                if (!failing) {
                    LOG.warn("Business metrics cannot be read from the database ({}); they read NaN until it answers",
                            e.getMessage());
                    failing = true;
                }
            }
        }
        return figures.getOrDefault(key, Double.NaN);
    }
}
