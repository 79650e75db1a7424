package io.windowgate.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this node did minute by minute over the last hour, for the console's chart: sends by route and the statuses
 * notifications reached. Counted in memory (an array per minute, no database work per message); with several nodes
 * each answers for itself.
 */
public final class ActivityLog {

    /** What is counted; the names are the keys of each minute in {@link #minutes()}. */
    public enum Kind { SESSION, TEMPLATE, DELIVERED, READ, FAILED, HELD }

    static final int MINUTES = 60;

    private final Clock clock;
    /** Slot i holds the minute whose epoch minute is {@code minuteOf[i]}; a slot is cleared when a new minute takes it. */
    private final long[] minuteOf = new long[MINUTES];
    private final long[] counts = new long[MINUTES * Kind.values().length];

    public ActivityLog(Clock clock) {
        this.clock = clock;
    }

    /** One lock, held for a few array writes: cheaper than any database write a status change already costs. */
    public synchronized void record(Kind kind) {
        long minute = epochMinute(clock.instant());
        int slot = (int) (minute % MINUTES);
        if (minuteOf[slot] != minute) {
            for (Kind k : Kind.values()) {
                counts[index(slot, k)] = 0;
            }
            minuteOf[slot] = minute;
        }
        counts[index(slot, kind)]++;
    }

    /** A send the provider accepted, by route ({@code session} or {@code template}). */
    public void sent(String route) {
        record("template".equals(route) ? Kind.TEMPLATE : Kind.SESSION);
    }

    /** {@code {"minutes": [{"minute": "...", "SESSION": n, ...}, ...]}}: the last hour, oldest first, every minute. */
    public synchronized Map<String, Object> minutes() {
        long now = epochMinute(clock.instant());
        List<Map<String, Object>> list = new ArrayList<>();
        for (long minute = now - MINUTES + 1; minute <= now; minute++) {
            int slot = (int) (minute % MINUTES);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("minute", Instant.EPOCH.plus(minute, ChronoUnit.MINUTES).toString());
            for (Kind k : Kind.values()) {
                entry.put(k.name(), minuteOf[slot] == minute ? counts[index(slot, k)] : 0L);
            }
            list.add(entry);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("minutes", list);
        return answer;
    }

    private static int index(int slot, Kind kind) {
        return slot * Kind.values().length + kind.ordinal();
    }

    private static long epochMinute(Instant at) {
        return Math.floorDiv(at.getEpochSecond(), 60);
    }
}
