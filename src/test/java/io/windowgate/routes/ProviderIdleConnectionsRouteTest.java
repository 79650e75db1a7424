package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.Properties;

import io.windowgate.notification.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A provider closes keep-alive connections that stay idle (its keep-alive timeout), without telling the client. A
 * send must not go out on such a connection: the request would be lost on the way, and the send's outcome unknown for
 * whatsapp.unknown-outcome-wait although it never reached the provider.
 */
class ProviderIdleConnectionsRouteTest extends RouteTestSupport {

    private KeepAliveStandIn standIn;

    @Override
    Properties extraProperties() {
        try {
            // closes a connection idle for a second: sooner than the app evicts idle connections itself
            standIn = new KeepAliveStandIn(1000);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Properties p = new Properties();
        p.setProperty("whatsapp.template.url", standIn.messagesUrl());
        return p;
    }

    @AfterEach
    void stopStandIn() throws IOException {
        standIn.close();
    }

    @Test
    void aSendAfterTheProviderClosedTheIdleConnectionGoesOutOnANewOne() throws Exception {
        drop("first.csv", "id,to,template,language\nidle-1,+14155552001,order_shipped,en_US\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> statusOf("idle-1") == Status.SENT);
        await("the stand-in closed the idle connection").atMost(Duration.ofSeconds(10))
                .until(() -> standIn.closedByStandIn() >= 1);

        drop("second.csv", "id,to,template,language\nidle-2,+14155552002,order_shipped,en_US\n");

        await("sent, not left with an unknown outcome").atMost(Duration.ofSeconds(20))
                .until(() -> statusOf("idle-2") == Status.SENT);
        assertThat(standIn.requests()).as("each notification reached the provider once").isEqualTo(2);
        assertThat(standIn.connections()).isEqualTo(2);
    }

    @Test
    void theAppClosesAConnectionLeftIdleBeforeTheProviderDoes() throws Exception {
        standIn.closeIdleAfter(0);
        drop("first.csv", "id,to,template,language\nidle-3,+14155552003,order_shipped,en_US\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> statusOf("idle-3") == Status.SENT);

        await("the app closed the idle connection").atMost(Duration.ofSeconds(10))
                .until(() -> standIn.closedByClient() >= 1);
        assertThat(standIn.closedByStandIn()).isZero();
    }
}
