package io.windowgate;

import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.windowgate.callback.Callbacks;
import io.windowgate.cluster.RateShare;
import io.windowgate.http.ProviderConnections;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.DispatchPolicy;
import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.ops.ActivityLog;
import io.windowgate.ops.BusinessMetrics;
import io.windowgate.outbox.Outbox;
import io.windowgate.template.PolicyEvents;
import io.windowgate.template.TemplateLoader;
import io.windowgate.template.TemplateSync;
import io.windowgate.template.TemplatePolicy;
import io.windowgate.template.UsageLedger;
import io.windowgate.whatsapp.CloudApiPayloads;
import io.windowgate.whatsapp.CustomerIdentity;
import io.windowgate.whatsapp.DeliveryRecorder;
import io.windowgate.whatsapp.ProviderErrors;
import io.windowgate.whatsapp.SendGate;
import io.windowgate.whatsapp.WebhookEvents;
import io.windowgate.whatsapp.WebhookInbox;
import io.windowgate.whatsapp.WebhookSignature;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything between a claimed notification and WhatsApp, and back: the window and template rules, the outbox and its
 * senders, the send gate (rate limit, pacing, pauses) shared across nodes, the record of each outcome with its cost,
 * and the webhook that reports what became of a message.
 */
final class Sending {

    private static final Logger LOG = LoggerFactory.getLogger(Sending.class);

    final SessionWindowPolicy windowPolicy;
    final Outbox outbox;
    final SendGate gate;
    final TemplateLoader templateLoader;

    Sending(CamelContext context, Settings settings, Stores stores, BusinessNumbers numbers, Clock clock)
            throws Exception {
        Registry registry = context.getRegistry();
        windowPolicy = new SessionWindowPolicy(clock, settings.getInt("window.hours"),
                settings.getDuration("window.safety-margin"));
        ProviderErrors providerErrors = new ProviderErrors(clock,
                () -> registry.findSingleByType(MeterRegistry.class));
        outbox = new Outbox(stores.claims, clock, outboxLease(settings), settings.getInt("outbox.batch-size"),
                longestSend(settings));
        gate = new SendGate(stores.sendingState, clock, System::nanoTime,
                settings.getDouble("whatsapp.max-messages-per-second"), settings.getDuration("whatsapp.pair.interval"),
                settings.getInt("whatsapp.pair.burst"), SendGate.MAX_WAIT);
        for (BusinessNumbers.BusinessNumber number : numbers.all()) {
            if (!BusinessNumbers.DEFAULT.equals(number.alias())) {
                gate.addNumber(number.alias(), number.maxPerSecond());
            }
        }
        templateLoader = new TemplateLoader(stores.templates);
        registry.bind("templateSync", templateSync(context, settings, stores));
        loadTemplates(templateLoader, settings.get("templates.file"));
        UsageLedger usage = new UsageLedger(stores.costs, windowPolicy,
                () -> registry.findSingleByType(MeterRegistry.class));
        ActivityLog activity = new ActivityLog(clock);
        registry.bind("activityLog", activity);
        CustomerIdentity identity = new CustomerIdentity(stores.contacts, stores.windows, stores.notifications,
                stores.sources);
        PolicyEvents policyEvents = new PolicyEvents(stores.templates, stores.consents, stores.notifications,
                settings.get("marketing.stop-keywords"), settings.get("marketing.resume-keywords"), clock);
        DeliveryRecorder delivery = new DeliveryRecorder(stores.notifications, stores.records, stores.claims,
                stores.windows, policyEvents, providerErrors, gate,
                new DeliveryRecorder.RetryPolicy(settings.getInt("whatsapp.retry.max-redeliveries"),
                        Duration.ofMillis(settings.getLong("whatsapp.retry.initial-delay-ms")),
                        Duration.ofMillis(settings.getLong("whatsapp.retry.max-delay-ms")),
                        settings.getDuration("whatsapp.unknown-outcome-wait"),
                        settings.getDuration("whatsapp.pause.duration")), usage, identity, activity, clock);
        // several nodes send for the same numbers: each keeps its share of each number's max-messages-per-second
        context.addService(new RateShare(stores.locks, gate, outbox.owner(), settings.getDuration("cluster.lock-max-age"),
                clock), true, true);

        bindConnections(context, settings);

        registry.bind("usageLedger", usage);
        registry.bind("outbox", outbox);
        registry.bind("sendGate", gate);
        // the threads of outbox-dispatch's parallel split: dispatch.concurrency sends at a time
        registry.bind("outboxSenders", context.getExecutorServiceManager().newFixedThreadPool(this, "outbox-sender",
                dispatchConcurrency(settings)));
        registry.bind("dispatchPolicy", new DispatchPolicy(windowPolicy, settings.get("window.closed-without-template")));
        registry.bind("cloudApiPayloads", new CloudApiPayloads());
        registry.bind("templateLoader", templateLoader);
        registry.bind("templatePolicy", new TemplatePolicy(stores.templates, stores.consents,
                settings.get("templates.unknown"), Boolean.parseBoolean(settings.get("optin.required")),
                Boolean.parseBoolean(settings.get("marketing.block-us"))));
        registry.bind("providerErrors", providerErrors);
        registry.bind("deliveryRecorder", delivery);
        registry.bind("webhookSignature", new WebhookSignature(settings.get("whatsapp.app-secret"),
                settings.get("whatsapp.webhook.verify-token")));
        WebhookEvents webhookEvents = new WebhookEvents(stores.windows, stores.notifications, stores.records,
                delivery, policyEvents, usage, clock, numbers, stores.sources, identity, activity,
                registry.lookupByNameAndType("callbacks", Callbacks.class));
        registry.bind("webhookEvents", webhookEvents);
        registry.bind("webhookInbox", new WebhookInbox(stores.webhookInbox, webhookEvents,
                () -> registry.lookupByNameAndType("businessMetrics", BusinessMetrics.class),
                settings.getInt("webhook.inbox.batch-size")));
    }

    /**
     * The registry's sync with the Graph API: on when templates.sync.waba-id is set and a Cloud API token is
     * configured. Its route always exists (stopped when off), so its endpoint gets a harmless value when off.
     */
    private static TemplateSync templateSync(CamelContext context, Settings settings, Stores stores) {
        String wabaId = settings.get("templates.sync.waba-id").strip();
        if (!wabaId.isEmpty() && !wabaId.matches("\\d{1,32}")) {
            throw new IllegalStateException("templates.sync.waba-id must be the WhatsApp Business Account id (digits), "
                    + "was '" + wabaId + "'");
        }
        boolean sandbox = Boolean.parseBoolean(settings.get("sandbox.enabled"));
        if (!wabaId.isEmpty() && sandbox) {
            LOG.warn("templates.sync.waba-id is set but there is no whatsapp.access-token (sandbox mode): the template "
                    + "registry is not synced");
        }
        boolean on = !wabaId.isEmpty() && !sandbox;
        Duration interval = settings.getInterval("templates.sync.interval");
        TemplateSync sync = new TemplateSync(stores.templates, settings.get("whatsapp.api-base-url"),
                on ? wabaId : "0", () -> context.getRegistry().findSingleByType(MeterRegistry.class));
        PropertiesComponent properties = context.getPropertiesComponent();
        properties.addOverrideProperty("templates.sync.enabled", Boolean.toString(on));
        properties.addOverrideProperty("templates.sync.interval-ms", Long.toString(interval.toMillis()));
        properties.addOverrideProperty("templates.sync.url", sync.url());
        if (on) {
            LOG.info("Template registry sync is on: every {} from the WhatsApp Business Account {}", interval, wabaId);
        }
        return sync;
    }

    /**
     * The connection pools of the http and https components (camel.component.http(s).client-connection-manager), each
     * with its component's limits and the provider's timeouts; they check and evict idle connections.
     */
    private static void bindConnections(CamelContext context, Settings settings) throws Exception {
        for (String component : new String[] {"http", "https"}) {
            String prefix = "camel.component." + component + ".";
            ProviderConnections connections = new ProviderConnections(settings.getInt(prefix + "connections-per-route"),
                    settings.getInt(prefix + "max-total-connections"),
                    Duration.ofMillis(settings.getLong("whatsapp.connect-timeout-ms")),
                    Duration.ofMillis(settings.getLong("whatsapp.response-timeout-ms")));
            context.addService(connections, true, true);
            context.getRegistry().bind(component + "Connections", connections.manager());
        }
    }

    /** Loads templates.file into the registry at start; a file that cannot be used stops the start with the reason. */
    private static void loadTemplates(TemplateLoader loader, String file) throws Exception {
        if (file.isBlank()) {
            return;
        }
        int loaded = loader.loadFile(java.nio.file.Path.of(file));
        LOG.info("Loaded {} templates from {}", loaded, file);
    }

    /**
     * How long an outbox claim lasts: longer than the longest send (connect and response timeouts plus the send gate's
     * wait), or another claimer could take over a send still in progress and repeat it.
     */
    private static Duration outboxLease(Settings settings) {
        Duration lease = settings.getDuration("outbox.lease");
        Duration longestSend = longestSend(settings);
        if (lease.compareTo(longestSend) <= 0) {
            throw new IllegalStateException("outbox.lease (" + lease + ") must be longer than the longest send, "
                    + longestSend + " (whatsapp.connect-timeout-ms + whatsapp.response-timeout-ms + "
                    + SendGate.MAX_WAIT.toSeconds() + " s): raise it");
        }
        return lease;
    }

    /** The longest one send can take: connect and response timeouts, plus the send gate's longest wait. */
    private static Duration longestSend(Settings settings) {
        return Duration.ofMillis(settings.getLong("whatsapp.connect-timeout-ms")
                + settings.getLong("whatsapp.response-timeout-ms")).plus(SendGate.MAX_WAIT);
    }

    /**
     * dispatch.concurrency, the senders' threads: each provider call holds one of the HTTP client's connections to the
     * provider's host, so the pool must have room for all of them (otherwise senders would wait for each other). Warns
     * when a CSV chunk or an outbox batch gives each sender fewer than 16: its last round of sends then leaves most
     * senders idle while the provider answers, which costs throughput when the answers are slow (docs/benchmarks.md).
     */
    static int dispatchConcurrency(Settings settings) {
        int senders = settings.getInt("dispatch.concurrency");
        if (senders < 1) {
            throw new IllegalStateException("dispatch.concurrency must be at least 1, was " + senders);
        }
        for (String component : new String[] {"http", "https"}) {
            String key = "camel.component." + component + ".connections-per-route";
            int connections = settings.getInt(key);
            if (senders > connections) {
                throw new IllegalStateException("dispatch.concurrency (" + senders + ") is more than " + key + " ("
                        + connections + "), the HTTP connections to one host: raise " + key + " to at least "
                        + senders);
            }
        }
        for (String key : new String[] {"drop.batch-size", "outbox.batch-size"}) {
            int batch = settings.getInt(key);
            if (batch < 16 * senders) {
                LOG.warn("{} ({}) is less than 16 per sender (dispatch.concurrency {}): the last sends of each batch "
                        + "leave most senders idle, which costs throughput when the provider is slow to answer; set "
                        + "{} to {} or more", key, batch, senders, key, 16 * senders);
            }
        }
        return senders;
    }
}
