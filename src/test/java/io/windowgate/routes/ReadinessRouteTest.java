package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Properties;

import org.apache.camel.support.ScheduledPollConsumer;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;

/**
 * Readiness means "can accept work": a source that cannot be read (here the mailbox: nothing listens on its port) is
 * logged and polled again, and does not take the node out of its load balancer, where webhooks and CRM pushes would be
 * refused on every node at once.
 */
class ReadinessRouteTest extends RouteTestSupport {

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("mail.url", "imap://127.0.0.1:" + AvailablePortFinder.getNextAvailable());
        p.setProperty("mail.username", "windowgate");
        p.setProperty("mail.password", "mail-secret");
        p.setProperty("mail.allowed-senders", "crm@acme.example");
        p.setProperty("mail.poll-interval-ms", "100");
        return p;
    }

    @Test
    void aMailboxThatCannotBeReachedLeavesTheNodeReady() throws Exception {
        ScheduledPollConsumer mail = (ScheduledPollConsumer) context.getRoute("mail-ingest").getConsumer();
        await().atMost(Duration.ofSeconds(60)).until(() -> mail.getErrorCounter() >= 3);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(getManagement("/observe/health/ready").statusCode()).isEqualTo(200));
        assertThat(mail.getSuccessCounter()).as("no poll succeeded meanwhile").isZero();
        assertThat(postJson("/api/notifications", null, "{}").statusCode()).as("the HTTP API answers").isEqualTo(401);
    }
}
