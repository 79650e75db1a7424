package io.windowgate.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.windowgate.MutableClock;
import io.windowgate.ops.ActivityLog.Kind;
import org.junit.jupiter.api.Test;

class ActivityLogTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:30Z"));
    private final ActivityLog log = new ActivityLog(clock);

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> minutes() {
        return (List<Map<String, Object>>) log.minutes().get("minutes");
    }

    @Test
    void countsPerMinuteForTheLastHourOldestFirst() {
        log.sent("session");
        log.sent("template");
        log.sent("template");
        clock.advance(Duration.ofMinutes(1));
        log.record(Kind.DELIVERED);

        List<Map<String, Object>> minutes = minutes();

        assertThat(minutes).hasSize(60);
        assertThat(minutes.get(59)).containsEntry("minute", "2026-12-07T10:01:00Z").containsEntry("DELIVERED", 1L)
                .containsEntry("TEMPLATE", 0L);
        assertThat(minutes.get(58)).containsEntry("minute", "2026-12-07T10:00:00Z").containsEntry("SESSION", 1L)
                .containsEntry("TEMPLATE", 2L);
        assertThat(minutes.get(0)).containsEntry("minute", "2026-12-07T09:02:00Z").containsEntry("SESSION", 0L);
    }

    @Test
    void aMinuteAnHourOldIsForgottenWhenItsSlotIsTakenAgain() {
        log.record(Kind.FAILED);
        clock.advance(Duration.ofMinutes(60));

        assertThat(minutes()).allSatisfy(m -> assertThat(m).containsEntry("FAILED", 0L));

        log.record(Kind.HELD);
        assertThat(minutes().get(59)).containsEntry("HELD", 1L).containsEntry("FAILED", 0L);
    }
}
