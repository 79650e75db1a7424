package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

/** SessionWindowStore on a real database: windows open, only move forward, and expire at the cutoff. */
abstract class SessionWindowStoreContract extends StoreTestSupport {

    private static final int THREADS = 8;

    @Test
    void lastInboundAtIsNullForAnUnknownRecipient() throws Exception {
        windows.recordInbound(BOB, T0, "wamid.bob");

        assertThat(windows.lastInboundAt(ALICE)).isNull();
    }

    @Test
    void aMessageToOneBusinessNumberOpensThatNumbersWindowOnly() throws Exception {
        assertThat(windows.recordInbound("brand-b", ALICE, T0, "wamid.to-b")).isTrue();

        assertThat(windows.lastInboundAt("brand-b", ALICE)).isEqualTo(T0);
        assertThat(windows.lastInboundAt(ALICE)).as("the default number's window").isNull();
        assertThat(windows.lastInboundAt("brand-c", ALICE)).isNull();

        assertThat(windows.recordInbound(ALICE, T0.plusSeconds(60), "wamid.to-default")).as("a second window").isTrue();
        assertThat(countRows("session_window")).isEqualTo(2);
        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(T0.plusSeconds(60));
        assertThat(windows.lastInboundAt("brand-b", ALICE)).as("B's window did not move").isEqualTo(T0);
        assertThat(windows.recordInbound("brand-b", ALICE, T0, "wamid.to-b")).as("repeated webhook").isFalse();
    }

    @Test
    void theProviderClosesTheWindowOfTheNumberThatSentOnly() throws Exception {
        windows.recordInbound(ALICE, T0, "wamid.to-default");
        windows.recordInbound("brand-b", ALICE, T0, "wamid.to-b");

        assertThat(windows.closeByProvider("brand-b", ALICE, T0.plusSeconds(1))).isTrue();

        assertThat(windows.lastInboundAt("brand-b", ALICE)).isNull();
        assertThat(windowState("brand-b", ALICE)).isEqualTo("CLOSED");
        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(T0);
        assertThat(windowState("default", ALICE)).isEqualTo("OPEN");
    }

    @Test
    void theSweepExpiresTheStaleWindowsOfEveryNumber() throws Exception {
        Instant stale = T0.minus(Duration.ofHours(30));
        windows.recordInbound(ALICE, stale, "wamid.1");
        windows.recordInbound("brand-b", ALICE, stale, "wamid.2");
        windows.recordInbound("brand-b", BOB, T0, "wamid.3");

        assertThat(windows.expireStale(T0.minus(Duration.ofHours(24)))).isEqualTo(2);

        assertThat(windowState("default", ALICE)).isEqualTo("EXPIRED");
        assertThat(windowState("brand-b", ALICE)).isEqualTo("EXPIRED");
        assertThat(windowState("brand-b", BOB)).isEqualTo("OPEN");
    }

    /**
     * The window's key became (business number, recipient) in V15: the sweep's count must still be served by its index
     * (V10's partial one on PostgreSQL, V13's on HSQLDB), not by a scan of every window.
     */
    @Test
    void theSweepsCountIsStillServedByItsIndex() throws Exception {
        boolean postgresql = database.vendor() == TestDatabase.Vendor.POSTGRESQL;
        String count = "SELECT COUNT(*) FROM session_window WHERE state = 'OPEN' AND last_inbound_at > ? "
                + "AND last_inbound_at <= ?";
        StringBuilder plan = new StringBuilder();
        try (Connection c = database.dataSource().getConnection()) {
            if (postgresql) {
                // an empty table is cheaper to scan than to look up: ask for the plan the index allows
                try (PreparedStatement off = c.prepareStatement("SET enable_seqscan = off")) {
                    off.execute();
                }
            }
            // HSQLDB explains no statement with parameters: there the bounds are the test's own constants
            String explained = postgresql ? "EXPLAIN " + count : "EXPLAIN PLAN FOR " + count
                    .replaceFirst("\\?", "TIMESTAMP '2026-03-08 12:00:00+00:00'")
                    .replaceFirst("\\?", "TIMESTAMP '2026-03-09 12:00:00+00:00'");
            try (PreparedStatement explain = c.prepareStatement(explained)) {
                if (postgresql) {
                    explain.setObject(1, T0.minus(Duration.ofDays(2)).atOffset(ZoneOffset.UTC));
                    explain.setObject(2, T0.minus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC));
                }
                try (java.sql.ResultSet rs = explain.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
            } finally {
                if (postgresql) {
                    try (PreparedStatement reset = c.prepareStatement("RESET enable_seqscan")) {
                        reset.execute();
                    }
                }
            }
        }
        assertThat(plan.toString().toLowerCase(java.util.Locale.ROOT))
                .contains(postgresql ? "session_window_open_inbound" : "session_window_inbound");
    }

    @Test
    void firstInboundMessageOpensTheWindow() throws Exception {
        Instant at = T0.minusSeconds(30);

        assertThat(windows.recordInbound(ALICE, at, "wamid.1")).isTrue();

        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(at);
        assertThat(windowState(ALICE)).isEqualTo("OPEN");
    }

    @Test
    void laterMessageMovesTheWindowForward() throws Exception {
        windows.recordInbound(ALICE, T0, "wamid.1");

        assertThat(windows.recordInbound(ALICE, T0.plusMillis(1), "wamid.2")).isTrue();

        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(T0.plusMillis(1));
    }

    @Test
    void lateWebhookNeverMovesWindowBackwards() throws Exception {
        Instant latest = T0.plus(Duration.ofHours(2));
        windows.recordInbound(ALICE, latest, "wamid.latest");

        assertThat(windows.recordInbound(ALICE, latest.minusNanos(1_000), "wamid.older")).isFalse();
        assertThat(windows.recordInbound(ALICE, T0, "wamid.much-older")).isFalse();
        assertThat(windows.recordInbound(ALICE, latest, "wamid.latest")).as("repeated webhook").isFalse();

        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(latest);
        assertThat(countRows("session_window")).isEqualTo(1);
    }

    @Test
    void concurrentFirstMessagesOfOneRecipientEndWithTheLatestTimestamp() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (int round = 0; round < 25; round++) {
                String recipient = "+1415555" + String.format("%04d", round);
                List<Instant> times = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    times.add(T0.plusMillis(round * 1_000L + i * 7L));
                }
                Collections.shuffle(times);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (Instant at : times) {
                    Callable<Boolean> record = () -> {
                        start.await();
                        return windows.recordInbound(recipient, at, "wamid." + at.toEpochMilli());
                    };
                    results.add(pool.submit(record));
                }
                start.countDown();
                int moved = 0;
                for (Future<Boolean> result : results) {
                    if (result.get(20, TimeUnit.SECONDS)) { // rethrows any SQLException of the thread
                        moved++;
                    }
                }

                assertThat(windows.lastInboundAt(recipient)).as("round %d", round).isEqualTo(Collections.max(times));
                assertThat(moved).as("round %d: at least the creating call moved the window", round)
                        .isBetween(1, THREADS);
            }
            assertThat(countRows("session_window")).isEqualTo(25);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void laterMessageLosingTheRaceToCreateTheWindowStillMovesItForward() throws Exception {
        DataSource racing = RacingDataSource.beforeFirst(database.dataSource(), "INSERT INTO session_window",
                () -> windows.recordInbound(ALICE, T0, "wamid.other-node"));
        SessionWindowStore store = new SessionWindowStore(racing, clock);

        assertThat(store.recordInbound(ALICE, T0.plusSeconds(1), "wamid.later")).isTrue();

        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(T0.plusSeconds(1));
        assertThat(countRows("session_window")).isEqualTo(1);
    }

    @Test
    void olderMessageLosingTheRaceToCreateTheWindowLeavesTheNewerOne() throws Exception {
        DataSource racing = RacingDataSource.beforeFirst(database.dataSource(), "INSERT INTO session_window",
                () -> windows.recordInbound(ALICE, T0, "wamid.other-node"));
        SessionWindowStore store = new SessionWindowStore(racing, clock);

        assertThat(store.recordInbound(ALICE, T0.minusSeconds(1), "wamid.earlier")).isFalse();

        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(T0);
    }

    @Test
    void expireStaleExpiresWindowsAtAndBeforeTheCutoffOnly() throws Exception {
        Instant cutoff = T0.minus(Duration.ofHours(24));
        windows.recordInbound("+14155550001", cutoff.minus(Duration.ofDays(3)), "w1");
        windows.recordInbound("+14155550002", cutoff.minusNanos(1_000), "w2");
        windows.recordInbound("+14155550003", cutoff, "w3");
        windows.recordInbound("+14155550004", cutoff.plusNanos(1_000), "w4");
        windows.recordInbound("+14155550005", T0, "w5");

        assertThat(windows.expireStale(cutoff)).isEqualTo(3);

        assertThat(windowState("+14155550001")).isEqualTo("EXPIRED");
        assertThat(windowState("+14155550002")).isEqualTo("EXPIRED");
        assertThat(windowState("+14155550003")).isEqualTo("EXPIRED");
        assertThat(windowState("+14155550004")).isEqualTo("OPEN");
        assertThat(windowState("+14155550005")).isEqualTo("OPEN");
        assertThat(windows.lastInboundAt("+14155550003")).as("expiry keeps the timestamp").isEqualTo(cutoff);
        assertThat(windows.expireStale(cutoff)).as("already expired windows are not counted again").isZero();
    }

    @Test
    void refreshedExpiredWindowBecomesOpenAgain() throws Exception {
        Instant cutoff = T0.minus(Duration.ofHours(24));
        windows.recordInbound(ALICE, cutoff.minusSeconds(60), "wamid.old");
        assertThat(windows.expireStale(cutoff)).isEqualTo(1);
        assertThat(windowState(ALICE)).isEqualTo("EXPIRED");

        assertThat(windows.recordInbound(ALICE, T0, "wamid.new")).isTrue();

        assertThat(windowState(ALICE)).isEqualTo("OPEN");
        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(T0);
        assertThat(windows.expireStale(cutoff)).isZero();
    }

    @Test
    void staleWebhookDoesNotReopenAnExpiredWindow() throws Exception {
        Instant cutoff = T0.minus(Duration.ofHours(24));
        windows.recordInbound(ALICE, cutoff.minusSeconds(60), "wamid.old");
        windows.expireStale(cutoff);

        assertThat(windows.recordInbound(ALICE, cutoff.minusSeconds(120), "wamid.older")).isFalse();

        assertThat(windowState(ALICE)).isEqualTo("EXPIRED");
        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(cutoff.minusSeconds(60));
    }

    @Test
    void expiryWatermarkNeverMovesBack() throws Exception {
        Instant cutoff = T0.minus(Duration.ofHours(24));
        windows.recordInbound("+14155550001", cutoff.minusSeconds(60), "w1");
        windows.recordInbound("+14155550002", cutoff.minusSeconds(3_600), "w2");
        assertThat(windows.expireStale(cutoff)).isEqualTo(2);

        assertThat(windows.expireStale(cutoff.minusSeconds(1_800))).as("an earlier cutoff expires nothing").isZero();

        assertThat(windowState("+14155550001")).as("and opens nothing again").isEqualTo("EXPIRED");
        assertThat(windowState("+14155550002")).isEqualTo("EXPIRED");
    }

    @Test
    void sweepRacingAnotherCountsEachWindowOnce() throws Exception {
        Instant cutoff = T0.minus(Duration.ofHours(24));
        windows.recordInbound("+14155550001", cutoff.minusSeconds(60), "w1");
        windows.recordInbound("+14155550002", cutoff.minusSeconds(30), "w2");
        int[] other = new int[1];
        // another sweep moves the watermark after this one read it and before this one moves it
        DataSource racing = RacingDataSource.beforeFirst(database.dataSource(), "UPDATE window_sweep",
                () -> other[0] = windows.expireStale(cutoff));
        SessionWindowStore store = new SessionWindowStore(racing, clock);

        int mine = store.expireStale(cutoff);

        assertThat(other[0]).isEqualTo(2);
        assertThat(mine).as("the sweep that came second expired nothing").isZero();
        assertThat(windowState("+14155550001")).isEqualTo("EXPIRED");
    }

    @Test
    void closedWindowStaysClosedAndALateMessageBeforeTheWatermarkIsExpiredAtOnce() throws Exception {
        Instant cutoff = T0.minus(Duration.ofHours(24));
        windows.recordInbound(ALICE, cutoff.minusSeconds(60), "wamid.alice");
        windows.closeByProvider(ALICE, cutoff);
        windows.recordInbound("+14155550002", cutoff.minusSeconds(90), "w2");
        assertThat(windows.expireStale(cutoff)).as("a closed window is not expired again").isEqualTo(1);

        // a webhook that arrives late, for a message older than the last sweep's cutoff
        windows.recordInbound("+14155550003", cutoff.minusSeconds(120), "wamid.late");

        assertThat(windowState(ALICE)).isEqualTo("CLOSED");
        assertThat(windowState("+14155550002")).isEqualTo("EXPIRED");
        assertThat(windowState("+14155550003")).isEqualTo("EXPIRED");
        assertThat(windows.expireStale(cutoff.plusSeconds(1))).isZero();
    }

    /** Not a benchmark: prints how long one set-based expiry takes over 100,000 windows on this database. */
    @Test
    void expireStaleOverHundredThousandWindowsIsOneExactStatement() throws Exception {
        int total = 100_000;
        Duration spacing = Duration.ofMillis(1_728); // 100,000 windows spread evenly over 48 hours
        long insertStarted = System.nanoTime();
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO session_window "
                    + "(recipient, last_inbound_at, last_inbound_wamid, state, updated_at) VALUES (?, ?, ?, 'OPEN', ?)")) {
                for (int i = 0; i < total; i++) {
                    insert.setString(1, "+1" + (2_000_000_000L + i));
                    insert.setObject(2, T0.minus(spacing.multipliedBy(i)).atOffset(ZoneOffset.UTC));
                    insert.setString(3, "wamid.bulk." + i);
                    insert.setObject(4, T0.atOffset(ZoneOffset.UTC));
                    insert.addBatch();
                    if ((i + 1) % 1_000 == 0) {
                        insert.executeBatch();
                    }
                }
            }
            c.commit();
        }
        long insertMs = (System.nanoTime() - insertStarted) / 1_000_000;

        long started = System.nanoTime();
        int expired = windows.expireStale(T0.minus(Duration.ofHours(24)));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        System.out.printf("[%s] expireStale over %,d windows: %,d expired in %d ms (batch insert took %d ms)%n",
                database.vendor(), total, expired, elapsedMs, insertMs);
        // i * 1.728 s >= 24 h from i = 50,000 on (that one exactly at the cutoff)
        assertThat(expired).isEqualTo(50_000);
        assertThat(windowState("+1" + (2_000_000_000L + 50_000))).isEqualTo("EXPIRED");
        assertThat(windowState("+1" + (2_000_000_000L + 49_999))).isEqualTo("OPEN");
    }
}
