package io.windowgate;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;

import io.windowgate.callback.CallbackBodies;
import io.windowgate.callback.CallbackDelivery;
import io.windowgate.callback.CallbackSignature;
import io.windowgate.callback.CallbackUrls;
import io.windowgate.callback.Callbacks;
import io.windowgate.callback.CallbacksApi;
import io.windowgate.callback.SandboxCallbacks;
import io.windowgate.http.ProviderConnections;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.store.CallbackEventStore;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Telling the source systems what happened (callbacks.*): the event store and which events it keeps, the delivery of
 * events on its own thread pool, the callbacks and cancel API, and the sandbox's receiver. Bound under the names the
 * routes and the other wiring classes use ("callbacks" is looked up by {@link Sending}, {@link Sources} and
 * {@link Operations}).
 */
final class CallbackSetup {

    private static final Logger LOG = LoggerFactory.getLogger(CallbackSetup.class);
    /** The sandbox's receiver, routes/sandbox-callbacks.camel.yaml. */
    static final String SANDBOX_RECEIVER = "/sandbox/callbacks";

    private CallbackSetup() {
    }

    /**
     * In sandbox mode, with no receiver configured, events go to the sandbox's own receiver, signed with a random
     * secret unless one is set: the walkthrough shows them without a server of one's own. Run after
     * {@link ProviderMode#apply}.
     */
    static void applySandboxDefaults(CamelContext context, Settings settings) {
        if (!Boolean.parseBoolean(settings.get("sandbox.enabled"))) {
            return;
        }
        PropertiesComponent properties = context.getPropertiesComponent();
        if (settings.get("callbacks.url").isBlank()) {
            properties.addOverrideProperty("callbacks.url",
                    "http://localhost:" + settings.get("camel.server.port") + SANDBOX_RECEIVER);
        }
        if (settings.get("callbacks.secret").isBlank()) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            properties.addOverrideProperty("callbacks.secret", HexFormat.of().formatHex(secret));
        }
    }

    static void bind(CamelContext context, Settings settings, Stores stores, BusinessNumbers numbers, Clock clock)
            throws Exception {
        Registry registry = context.getRegistry();
        CallbackUrls urls = new CallbackUrls(Boolean.parseBoolean(settings.get("callbacks.allow-private")));
        String defaultUrl = receiver(settings, urls, "callbacks.url");
        String inboundUrl = receiver(settings, urls, "callbacks.inbound-url");
        CallbackEventStore events = new CallbackEventStore(stores.dataSource, stores.dialect, clock,
                !stores.embedded);
        events.eventsForEveryNotification(!defaultUrl.isBlank());
        CallbackSignature signature = new CallbackSignature(settings.get("callbacks.secret"));
        if (!signature.canSign() && !defaultUrl.isBlank()) {
            LOG.warn("callbacks.secret is empty: events to {} are sent without X-Windowgate-Signature, so a receiver "
                    + "cannot tell them from forged ones. Set CALLBACKS_SECRET.", defaultUrl);
        }
        Duration openFor = Duration.ofHours(settings.getInt("window.hours"))
                .minus(settings.getDuration("window.safety-margin"));
        String lead = settings.get("callbacks.window-closing-lead");
        Duration retention = settings.get("callbacks.retention").isBlank() ? null
                : settings.getDuration("callbacks.retention");
        if (retention != null && (retention.isNegative() || retention.isZero())) {
            throw new IllegalStateException("callbacks.retention must be a positive ISO-8601 duration such as P7D (or "
                    + "empty to keep delivered events), was " + retention);
        }
        Callbacks callbacks = new Callbacks(events, urls, numbers, !defaultUrl.isBlank(), !inboundUrl.isBlank(),
                openFor, lead.isBlank() ? null : settings.getDuration("callbacks.window-closing-lead"), retention,
                clock);
        int concurrency = settings.getInt("callbacks.concurrency");
        int perHost = settings.getInt("callbacks.per-host-concurrency");
        int batchSize = settings.getInt("callbacks.batch-size");
        if (concurrency < 1 || perHost < 1 || batchSize < 1 || batchSize > 1000) {
            throw new IllegalStateException("callbacks.concurrency and callbacks.per-host-concurrency must be at least "
                    + "1, callbacks.batch-size from 1 to 1000; were " + concurrency + ", " + perHost + " and "
                    + batchSize);
        }
        CallbackDelivery.Settings delivery = new CallbackDelivery.Settings(defaultUrl, inboundUrl,
                settings.getDuration("callbacks.timeout"), settings.getDuration("callbacks.retry.initial-delay"),
                settings.getDuration("callbacks.retry.max-delay"), settings.getDuration("callbacks.max-age"),
                concurrency, perHost, batchSize);
        // the receivers' own threads: a slow or dead receiver never holds a WhatsApp sender
        var senders = context.getExecutorServiceManager().newFixedThreadPool(CallbackSetup.class, "callback-sender",
                concurrency);
        registry.bind("callbacks", callbacks);
        registry.bind("callbackEventStore", events);
        // a pool of their own, so receivers never take the connections the WhatsApp senders need
        ProviderConnections receivers = new ProviderConnections(perHost, concurrency, delivery.timeout(),
                delivery.timeout());
        context.addService(receivers, true, true);
        registry.bind("callbackDelivery", new CallbackDelivery(events, new CallbackBodies(numbers), signature, urls,
                delivery, receivers.manager(), senders, "node-" + UUID.randomUUID().toString().substring(0, 8),
                clock));
        registry.bind("callbacksApi", new CallbacksApi(events, stores.notifications));
        registry.bind("sandboxCallbacks", new SandboxCallbacks(signature, clock));
        if (!defaultUrl.isBlank() || !inboundUrl.isBlank()) {
            LOG.info("Callbacks on: status and window events to {}, customer messages to {}",
                    defaultUrl.isBlank() ? "each notification's callbackUrl only" : defaultUrl,
                    inboundUrl.isBlank() ? "nowhere (callbacks.inbound-url is empty)" : inboundUrl);
        }
    }

    /** A configured receiver, checked by the rules a notification's callbackUrl must meet; "" when none. */
    private static String receiver(Settings settings, CallbackUrls urls, String key) {
        String url = settings.get(key);
        if (url.isBlank()) {
            return "";
        }
        String problem = urls.problem(url);
        if (problem != null) {
            throw new IllegalStateException(key + ": " + problem.replace("callbackUrl", "the URL"));
        }
        return url;
    }
}
