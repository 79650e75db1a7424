package io.windowgate;

import java.sql.SQLException;
import java.time.Clock;

import io.windowgate.callback.CallbackDelivery;
import io.windowgate.notification.BusinessNumbers;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires Windowgate's beans before the YAML routes load, in dependency order, one concern per class: the checks and
 * overrides that decide the mode ({@link Settings}, {@link ProviderMode}, {@link Sources#switchOnOff}), the database
 * ({@link Stores}), Quartz clustering ({@link QuartzClustering}), sending ({@link Sending}), the sources
 * ({@link Sources}) and the operator-facing beans ({@link Operations}).
 */
@Configuration
public class AppConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(AppConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        // before any secret is read: Camel records each property read and prints them all once the routes started
        SecretProperties.maskInCamelLogs(context);
        Settings settings = new Settings(context);
        settings.requireFreePort("camel.server.host", "camel.server.port");
        settings.requireFreePort("camel.server.host", "camel.management.port");
        ProviderMode.apply(context, settings);
        CallbackSetup.applySandboxDefaults(context, settings);
        Sources.switchOnOff(context, settings);

        // the one clock every bean is given, bound too so that routes and tests read the time the beans read
        Clock clock = Clock.systemUTC();
        context.getRegistry().bind("clock", clock);
        Stores stores = new Stores(context, settings, clock);
        context.getRegistry().bind("quartzProperties", QuartzClustering.properties(settings, stores.pool,
                stores.dialect));
        BusinessNumbers numbers = ProviderMode.numbers(context, settings);
        context.getRegistry().bind("businessNumbers", numbers);
        CallbackSetup.bind(context, settings, stores, numbers, clock);
        Sending sending = new Sending(context, settings, stores, numbers, clock);
        Sources sources = new Sources(context, settings, stores, sending, clock);
        Operations.bind(context, settings, stores, sending, sources, clock);
        context.addLifecycleStrategy(new HandBackOnStop(stores, sending.outbox.owner()));
    }

    /**
     * On stop (the routes have finished or given up their in-flight work): hands this node's unsent claims back at
     * once, then closes the pool (camel-main does not close registry beans; this also shuts an embedded HSQLDB).
     */
    private static final class HandBackOnStop extends LifecycleStrategySupport {
        private final Stores stores;
        private final String owner;

        HandBackOnStop(Stores stores, String owner) {
            this.stores = stores;
            this.owner = owner;
        }

        @Override
        public void onContextStopped(CamelContext stopped) {
            try {
                int released = stores.claims.releaseClaims(owner);
                if (released > 0) {
                    LOG.info("Stopping: {} claimed notifications handed back to the outbox", released);
                }
                stopped.getRegistry().lookupByNameAndType("callbackDelivery", CallbackDelivery.class).handBack();
            } catch (SQLException | RuntimeException e) {
                LOG.warn("Stopping: could not hand the claims back ({}); they are taken over when their lease ends",
                        e.getMessage());
            } finally {
                stores.pool.close();
            }
        }
    }
}
