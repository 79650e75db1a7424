package io.windowgate.crm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.windowgate.MutableClock;
import io.windowgate.notification.NotificationJson;
import org.junit.jupiter.api.Test;

/** The request side and the back-off of CRM pull. */
class CrmPollerTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:00:00Z"));

    private CrmPoller poller(String url) {
        return new CrmPoller(url, "after", "Authorization", "Bearer x", Duration.ofSeconds(30),
                Duration.ofMinutes(5), 10, null, new NotificationJson(), null, clock);
    }

    @Test
    void keepsTheUrlsOwnQueryAndAddsTheEncodedCursor() {
        CrmPoller poller = poller("https://crm.example/api/outbox?tenant=acme&kind=wa");
        assertThat(poller.baseUrl()).isEqualTo("https://crm.example/api/outbox");
        assertThat(poller.query(null)).isEqualTo("tenant=acme&kind=wa");
        assertThat(poller.query("a b&c=d")).isEqualTo("tenant=acme&kind=wa&after=a+b%26c%3Dd");
        assertThat(poller("https://crm.example/outbox").query(null)).isNull();
        assertThat(poller("https://crm.example/outbox").query("c1")).isEqualTo("after=c1");
    }

    @Test
    void failuresInARowDoubleTheBackOffUpToTheMaximumAndSuccessResetsIt() {
        CrmPoller poller = poller("https://crm.example/outbox");
        assertThat(poller.isBackingOff()).isFalse();

        poller.failed(new java.io.IOException("Connection refused"));
        clock.advance(Duration.ofSeconds(29));
        assertThat(poller.isBackingOff()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(poller.isBackingOff()).isFalse();

        poller.failed(new java.io.IOException("again")); // 60 s
        clock.advance(Duration.ofSeconds(59));
        assertThat(poller.isBackingOff()).isTrue();
        for (int i = 0; i < 10; i++) {
            poller.failed(new java.io.IOException("still"));
        }
        clock.advance(Duration.ofMinutes(5));
        assertThat(poller.isBackingOff()).isFalse(); // capped at crm.poll.max-backoff

        poller.failed(new java.io.IOException("once more"));
        poller.succeeded();
        assertThat(poller.isBackingOff()).isFalse();
    }

    @Test
    void describesFailuresWithoutTheQueryString() {
        assertThat(CrmPoller.describe(new java.net.ConnectException("Connect to https://crm.example/outbox?key=s3cret "
                + "failed"))).isEqualTo("cannot reach the CRM: ConnectException Connect to https://crm.example/outbox "
                + "failed").doesNotContain("s3cret");
    }
}
