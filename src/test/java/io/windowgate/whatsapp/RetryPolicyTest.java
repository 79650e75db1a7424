package io.windowgate.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import io.windowgate.whatsapp.DeliveryRecorder.RetryPolicy;
import org.junit.jupiter.api.Test;

/** The back-off between retries: doubling from the initial delay, capped, with jitter between half and all of it. */
class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(10, Duration.ofSeconds(2), Duration.ofMinutes(5),
            Duration.ofMinutes(10), Duration.ofMinutes(15));

    @Test
    void delaysDoubleWithJitterUpToTheCap() {
        long[] full = {2, 4, 8, 16, 32, 64, 128, 256, 300, 300};
        for (int retry = 1; retry <= full.length; retry++) {
            Duration upper = Duration.ofSeconds(full[retry - 1]);
            for (int i = 0; i < 200; i++) {
                assertThat(policy.backoff(retry)).as("retry %d", retry)
                        .isBetween(upper.dividedBy(2), upper);
            }
        }
    }

    @Test
    void jitterSpreadsRetriesThatFailedTogether() {
        Set<Duration> delays = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            delays.add(policy.backoff(5));
        }
        assertThat(delays).hasSizeGreaterThan(10);
    }

    @Test
    void aVeryLateRetryDoesNotOverflow() {
        assertThat(policy.backoff(200)).isBetween(Duration.ofSeconds(150), Duration.ofMinutes(5));
    }
}
