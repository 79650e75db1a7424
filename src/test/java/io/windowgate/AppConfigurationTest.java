package io.windowgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The configuration checks AppConfiguration makes before anything starts. */
class AppConfigurationTest {

    private static Settings settings(String concurrency, String httpConnections,
            String httpsConnections) {
        DefaultCamelContext context = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("dispatch.concurrency", concurrency);
        p.setProperty("camel.component.http.connections-per-route", httpConnections);
        p.setProperty("camel.component.https.connections-per-route", httpsConnections);
        p.setProperty("drop.batch-size", "100");
        p.setProperty("outbox.batch-size", "100");
        context.getPropertiesComponent().setInitialProperties(p);
        return new Settings(context);
    }

    @Test
    void sendersNeedAConnectionEachToTheProvidersHost() {
        assertThat(Sending.dispatchConcurrency(settings("32", "256", "256"))).isEqualTo(32);
        assertThat(Sending.dispatchConcurrency(settings("256", "256", "256"))).isEqualTo(256);

        assertThatThrownBy(() -> Sending.dispatchConcurrency(settings("300", "256", "256")))
                .hasMessage("dispatch.concurrency (300) is more than camel.component.http.connections-per-route (256), "
                        + "the HTTP connections to one host: raise camel.component.http.connections-per-route to at "
                        + "least 300");
        // the real Cloud API is https
        assertThatThrownBy(() -> Sending.dispatchConcurrency(settings("32", "256", "20")))
                .hasMessageContaining("raise camel.component.https.connections-per-route to at least 32");
        assertThatThrownBy(() -> Sending.dispatchConcurrency(settings("0", "256", "256")))
                .hasMessage("dispatch.concurrency must be at least 1, was 0");
    }

    @Test
    void theShippedPropertiesLeaveRoomForTheShippedConcurrency() throws Exception {
        Properties shipped = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"), StandardCharsets.UTF_8)) {
            shipped.load(in);
        }
        int senders = Integer.parseInt(shipped.getProperty("dispatch.concurrency").trim());
        for (String component : new String[] {"http", "https"}) {
            int connections = Integer.parseInt(shipped.getProperty("camel.component." + component
                    + ".connections-per-route").trim());
            // above the client's own default of 20, which capped the senders
            assertThat(connections).as(component).isGreaterThan(20).isGreaterThanOrEqualTo(senders);
            assertThat(shipped.getProperty("camel.component." + component + ".connection-request-timeout").trim())
                    .as("a sender never waits for a pooled connection longer than for a new one")
                    .isEqualTo("{{whatsapp.connect-timeout-ms}}");
        }
    }
}
