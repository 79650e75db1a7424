package io.windowgate;

import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.windowgate.csv.FilePreview;
import io.windowgate.callback.Callbacks;
import io.windowgate.http.ApiAuthentication;
import io.windowgate.http.ApiTokens;
import io.windowgate.http.HttpEntrances;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.DispatchPolicy;
import io.windowgate.ops.AnswerMask;
import io.windowgate.ops.BusinessMetrics;
import io.windowgate.ops.ConsolePage;
import io.windowgate.ops.DatabaseHealthCheck;
import io.windowgate.ops.ExpirySweep;
import io.windowgate.ops.FileProgressView;
import io.windowgate.ops.NotificationMdc;
import io.windowgate.ops.OperationsApi;
import io.windowgate.ops.PolicyApi;
import io.windowgate.ops.ResponseHeaderFilter;
import io.windowgate.ops.SendingHealthCheck;
import io.windowgate.ops.StatusView;
import io.windowgate.ops.WindowsView;
import io.windowgate.sandbox.SandboxProvider;
import io.windowgate.store.MetricsStore;
import io.windowgate.template.TemplatePolicy;
import io.windowgate.template.UsageLedger;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.apache.camel.spi.UnitOfWorkFactory;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * What operators and the scheduled jobs use: health checks, business metrics, the status, file-progress, policy and
 * operations APIs, the expiry sweep, and the sandbox provider.
 */
final class Operations {

    /**
     * How long the database figures of the business gauges are reused: scrapes within it (several Prometheus servers,
     * a person reloading) cost no query.
     */
    private static final Duration METRICS_MAX_AGE = Duration.ofSeconds(5);

    private Operations() {
    }

    static void bind(CamelContext context, Settings settings, Stores stores, Sending sending, Sources sources,
            Clock clock) throws Exception {
        Registry registry = context.getRegistry();
        StatusView statusView = new StatusView(stores.notifications);
        registry.bind("databaseHealthCheck", new DatabaseHealthCheck(stores.dataSource));
        registry.bind("sendingHealthCheck", new SendingHealthCheck(sending.gate));
        BusinessMetrics metrics = new BusinessMetrics(new MetricsStore(stores.dataSource), sending.gate, clock,
                METRICS_MAX_AGE);
        registry.bind("businessMetrics", metrics);
        // the meter registry of /observe/metrics is made by camel-main after this configuration: the gauges join it
        // once the context has started
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStarted(CamelContext started) {
                MeterRegistry meters = started.getRegistry().findSingleByType(MeterRegistry.class);
                if (meters != null) {
                    metrics.bindTo(meters);
                }
            }
        });
        registry.bind("responseHeaderFilter", new ResponseHeaderFilter());
        context.getCamelContextExtension().addContextPlugin(UnitOfWorkFactory.class, new NotificationMdc.Factory());
        HttpEntrances.install(context, settings.getInt("camel.server.port"), new ApiAuthentication(new ApiTokens(
                settings.get("admin.api-token"), settings.get("crm.api-token"), settings.get("api.read-token"))));
        registry.bind("statusView", statusView);
        registry.bind("answerMask", new AnswerMask());
        registry.bind("consolePage", new ConsolePage());
        registry.bind("filePreview", new FilePreview(sources.validator, stores.notifications, stores.windows,
                registry.lookupByNameAndType("dispatchPolicy", DispatchPolicy.class),
                registry.lookupByNameAndType("templatePolicy", TemplatePolicy.class),
                registry.lookupByNameAndType("usageLedger", UsageLedger.class), clock));
        registry.bind("fileProgressView", new FileProgressView(stores.dropFiles, clock));
        registry.bind("policyApi", new PolicyApi(stores.templates, sending.templateLoader, stores.consents,
                sources.validator, clock));
        registry.bind("operationsApi", new OperationsApi(stores.notifications,
                statusView, sending.gate, clock));
        registry.bind("windowsView", new WindowsView(stores.windows, stores.contacts,
                context.getRegistry().lookupByNameAndType("businessNumbers", BusinessNumbers.class), sources.validator,
                sending.windowPolicy, clock));
        registry.bind("expirySweep", new ExpirySweep(stores.windows, stores.notifications, sending.windowPolicy,
                settings.getDuration("hold.max-age"), clock, registry.lookupByNameAndType("callbacks", Callbacks.class)));
        // bound in both modes so the (then stopped) sandbox routes can be created
        registry.bind("sandboxProvider", new SandboxProvider(clock, settings.get("whatsapp.app-secret"),
                context.getRegistry().lookupByNameAndType("businessNumbers", BusinessNumbers.class)));
    }
}
