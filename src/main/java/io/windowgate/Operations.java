package io.windowgate;

import java.time.Clock;

import io.windowgate.callback.Callbacks;
import io.windowgate.http.ApiAuthentication;
import io.windowgate.http.ApiTokens;
import io.windowgate.http.HttpEntrances;
import io.windowgate.ops.AnswerMask;
import io.windowgate.ops.DatabaseHealthCheck;
import io.windowgate.ops.ExpirySweep;
import io.windowgate.ops.FileProgressView;
import io.windowgate.ops.OperationsApi;
import io.windowgate.ops.PolicyApi;
import io.windowgate.ops.ResponseHeaderFilter;
import io.windowgate.ops.SendingHealthCheck;
import io.windowgate.ops.StatusView;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.sandbox.SandboxProvider;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;

/**
 * What operators and the scheduled jobs use: health checks, the status, file-progress, policy and operations APIs,
 * the expiry sweep, and the sandbox provider.
 */
final class Operations {

    private Operations() {
    }

    static void bind(CamelContext context, Settings settings, Stores stores, Sending sending, Sources sources,
            Clock clock) throws Exception {
        Registry registry = context.getRegistry();
        StatusView statusView = new StatusView(stores.notifications);
        registry.bind("databaseHealthCheck", new DatabaseHealthCheck(stores.dataSource));
        registry.bind("sendingHealthCheck", new SendingHealthCheck(sending.gate));
        registry.bind("responseHeaderFilter", new ResponseHeaderFilter());
        HttpEntrances.install(context, settings.getInt("camel.server.port"), new ApiAuthentication(new ApiTokens(
                settings.get("admin.api-token"), settings.get("crm.api-token"), settings.get("api.read-token"))));
        registry.bind("statusView", statusView);
        registry.bind("answerMask", new AnswerMask());
        registry.bind("fileProgressView", new FileProgressView(stores.dropFiles, clock));
        registry.bind("policyApi", new PolicyApi(stores.templates, sending.templateLoader, stores.consents,
                sources.validator, clock));
        registry.bind("operationsApi", new OperationsApi(stores.notifications,
                statusView, sending.gate, clock));
        registry.bind("expirySweep", new ExpirySweep(stores.windows, stores.notifications, sending.windowPolicy,
                settings.getDuration("hold.max-age"), clock, registry.lookupByNameAndType("callbacks", Callbacks.class)));
        // bound in both modes so the (then stopped) sandbox routes can be created
        registry.bind("sandboxProvider", new SandboxProvider(clock, settings.get("whatsapp.app-secret"),
                context.getRegistry().lookupByNameAndType("businessNumbers", BusinessNumbers.class)));
    }
}
