package io.windowgate.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.ops.ExpirySweep;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.SessionWindowStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;

/**
 * Part (a) of the latency benchmark: one scheduled expiry sweep over a backlog of 1,000,000 stale windows (target:
 * under 5 s), on an HSQLDB file database opened with the production URL options and on an embedded PostgreSQL 14.
 *
 * <p>Each database is migrated with the app's own Flyway migrations and filled with JDBC batches:
 * <ul>
 *   <li>{@code stale} OPEN windows whose latest inbound message is 24 h - 5 min or more ago, after the previous
 *       sweep's cutoff (to expire);</li>
 *   <li>{@code fresh} OPEN windows inside the window (must stay OPEN);</li>
 *   <li>{@code done} windows already EXPIRED by an earlier sweep (at or before its watermark, V12) or CLOSED by the
 *       provider (must stay so);</li>
 *   <li>{@code heldOld} HELD notifications older than hold.max-age (to expire), {@code heldYoung} younger ones and
 *       {@code other} old notifications in other statuses (must stay as they are).</li>
 * </ul>
 * Then the data is settled as it would be on a running system (HSQLDB: CHECKPOINT; PostgreSQL: VACUUM ANALYZE, what
 * autovacuum does, then CHECKPOINT, so that every page the sweep touches is written in full to the WAL once, as in
 * production where the stale windows are cold pages), and exactly what the Quartz route session-window-expiry calls,
 * {@link ExpirySweep#run()}, is timed once, with the production policy (24 h, PT5M margin, P7D hold.max-age) on a
 * fixed clock. The counts it answers and the states the database shows afterwards (view session_window_status for
 * the windows) are checked, and that they were OPEN before. Then a webhook's window update
 * is timed (what the database makes wait after the sweep), and a second sweep, which finds nothing to expire (the
 * steady state, once a minute).
 *
 * <p>Environment: the sizes (see {@link DataSet#fromEnvironment()}) and {@code EXPIRY_DATABASES} (hsqldb,
 * postgresql or both, the default). The target is judged only at the full size of 1,000,000 windows.
 */
final class ExpiryBenchmark {

    static final double TARGET_SECONDS = 5.0;
    private static final Duration HOLD_MAX_AGE = Duration.ofDays(7);
    private static final int BATCH = 10_000;

    /** The rows put into the database before the sweep. */
    record DataSet(int stale, int fresh, int done, int heldOld, int heldYoung, int other) {

        DataSet {
            if (fresh < 2) {
                throw new IllegalArgumentException("EXPIRY_FRESH must be at least 2: a webhook updates the second one");
            }
        }

        /** Sizes from the environment (EXPIRY_STALE, ...), defaulting to the backlog of 1,000,000 windows. */
        static DataSet fromEnvironment() {
            return new DataSet(env("EXPIRY_STALE", 1_000_000), env("EXPIRY_FRESH", 50_000),
                    env("EXPIRY_DONE", 100_000), env("EXPIRY_HELD_OLD", 20_000), env("EXPIRY_HELD_YOUNG", 20_000),
                    env("EXPIRY_OTHER", 100_000));
        }

        private static int env(String name, int fallback) {
            return Integer.parseInt(System.getenv().getOrDefault(name, Integer.toString(fallback)));
        }
    }

    /** One database's figures. */
    record Figures(String database, double loadSeconds, double sweepSeconds, double sweepCpuSeconds,
                   double webhookAfterSeconds, double nextSweepSeconds, ExpirySweep.Result result,
                   long heapAfterLoadMib) {
    }

    private final DataSet data;
    private final Path workDir;
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    /** EXPIRY_DATABASES: hsqldb, postgresql or both (the default). */
    private final String databases = System.getenv().getOrDefault("EXPIRY_DATABASES", "hsqldb,postgresql");

    ExpiryBenchmark(DataSet data, Path workDir) {
        this.data = data;
        this.workDir = workDir;
    }

    /** Runs the sweep on both databases and reports the figures against the 5 s target. */
    void run(BenchReport report) throws Exception {
        report.line("(a) Expiry sweep: %,d stale OPEN windows to expire; %,d fresh OPEN and %,d EXPIRED/CLOSED windows "
                        + "that stay; %,d old HELD notifications to expire, %,d young HELD and %,d others that stay",
                data.stale, data.fresh, data.done, data.heldOld, data.heldYoung, data.other);
        if (databases.contains("hsqldb")) {
            report(report, hsqldb());
        }
        if (databases.contains("postgresql")) {
            report(report, postgresql());
        }
    }

    private void report(BenchReport report, Figures f) {
        report.line("   %-10s load %.1f s; ExpirySweep.run() %.2f s (CPU %.2f s %s): %,d windows and %,d held "
                        + "notifications expired%s", f.database, f.loadSeconds, f.sweepSeconds, f.sweepCpuSeconds,
                "HSQLDB".equals(f.database) ? "of the benchmark JVM" : "of the PostgreSQL processes",
                f.result.windowsExpired(), f.result.heldExpired(),
                f.heapAfterLoadMib < 0 ? "" : String.format(" (heap used with the data loaded: %,d MiB)",
                        f.heapAfterLoadMib));
        report.line("   %-10s a webhook's window update right after the sweep took %.2f s; the next sweep (nothing to "
                + "expire) %.3f s", "", f.webhookAfterSeconds, f.nextSweepSeconds);
        report.target("(a) 1,000,000 windows expired in one run under 5 s on " + f.database,
                f.sweepSeconds < TARGET_SECONDS && data.stale >= 1_000_000,
                String.format("%.2f s for %,d windows", f.sweepSeconds, data.stale));
    }

    /** HSQLDB as production opens it: a file database, MVCC, every commit synced (db.url in application.properties). */
    private Figures hsqldb() throws Exception {
        Path dir = workDir.resolve("expiry-hsqldb");
        LatencyBenchmark.deleteTree(dir);
        Files.createDirectories(dir);
        String url = "jdbc:hsqldb:file:" + dir.toAbsolutePath() + "/db;hsqldb.tx=mvcc;hsqldb.write_delay=false;"
                + "shutdown=true";
        try (HikariDataSource dataSource = pool(url, "SA", "")) {
            return measure("HSQLDB", dataSource, "hsqldb", "CHECKPOINT", CpuTime::ofThisJvm);
        } finally {
            LatencyBenchmark.deleteTree(dir);
        }
    }

    /**
     * PostgreSQL 14 as the store tests start it (zonky), but with fsync and synchronous_commit on, PostgreSQL's
     * defaults: zonky turns both off, which no production database would do. Everything else is initdb's default
     * (shared_buffers 128MB, max_wal_size 1GB). Its files are in {@code dataDirectory}, emptied first.
     */
    static EmbeddedPostgres durablePostgres(Path dataDirectory) throws IOException {
        return EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(true)
                .start();
    }

    private Figures postgresql() throws Exception {
        Path dataDirectory = workDir.resolve("expiry-postgresql");
        try (EmbeddedPostgres postgres = durablePostgres(dataDirectory);
             HikariDataSource dataSource = pool("jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres",
                     "postgres", "")) {
            System.out.println("   PostgreSQL settings: " + settings(dataSource));
            // the postmaster runs detached from this JVM: its CPU is found by its data directory
            return measure("PostgreSQL", dataSource, "postgresql", "VACUUM ANALYZE; CHECKPOINT",
                    () -> CpuTime.ofProcessTree(dataDirectory.toString()));
        }
    }

    private Figures measure(String database, HikariDataSource dataSource, String vendor, String settle,
                            DoubleSupplier cpuSeconds) throws Exception {
        System.out.printf("   %s: migrating and loading ...%n", database);
        // exactly as AppConfiguration.migrate does
        Flyway.configure().dataSource(dataSource)
                .locations("classpath:db/migration/common", "classpath:db/migration/" + vendor)
                .failOnMissingLocations(false).load().migrate();
        long t0 = System.nanoTime();
        load(dataSource);
        execute(dataSource, settle);
        double loadSeconds = secondsSince(t0);
        System.out.printf("   %s: loaded and settled (%s) in %.1f s%n", database, settle, loadSeconds);
        long heap = "HSQLDB".equals(database) ? heapUsedMib() : -1;
        printPlans(dataSource, vendor);

        verifyBefore(dataSource);

        SessionWindowStore windows = new SessionWindowStore(dataSource, clock);
        ExpirySweep sweep = new ExpirySweep(windows, new NotificationStore(dataSource, clock),
                new SessionWindowPolicy(clock, 24, Duration.ofMinutes(5)), HOLD_MAX_AGE, clock,
                io.windowgate.callback.Callbacks.none(clock));
        double cpu0 = cpuSeconds.getAsDouble();
        long t1 = System.nanoTime();
        ExpirySweep.Result result = sweep.run();
        double sweepSeconds = secondsSince(t1);
        double cpu = cpuSeconds.getAsDouble() - cpu0;

        // a webhook right after the sweep: how long the database keeps it waiting (HSQLDB checkpoints after a large
        // commit, and nothing else runs meanwhile)
        long t2 = System.nanoTime();
        // (the second fresh window: its latest message was a second ago, so this moves it forward)
        windows.recordInbound(String.format("+1%010d", data.stale + 1), now, "wamid.after");
        double webhookSeconds = secondsSince(t2);
        verify(dataSource, result);

        // the steady state: the next run, every minute, finds (next to) nothing to expire
        execute(dataSource, settle);
        printPlans(dataSource, vendor);
        long t3 = System.nanoTime();
        ExpirySweep.Result next = sweep.run();
        double nextSeconds = secondsSince(t3);
        if (!next.equals(new ExpirySweep.Result(0, 0))) {
            throw new IllegalStateException("the second sweep expired " + next);
        }
        return new Figures(database, loadSeconds, sweepSeconds, cpu, webhookSeconds, nextSeconds, result, heap);
    }

    /** Inserts the data set in batches of 10,000 rows, one commit per batch. */
    private void load(HikariDataSource dataSource) throws SQLException {
        Instant cutoff = now.minus(Duration.ofHours(24).minusMinutes(5));
        Instant holdLimit = now.minus(HOLD_MAX_AGE);
        Instant previousCutoff = cutoff.minus(Duration.ofDays(8));
        int weekSeconds = 7 * 24 * 3600;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO session_window (recipient, last_inbound_at, "
                    + "last_inbound_wamid, state, updated_at) VALUES (?, ?, ?, ?, ?)")) {
                int n = 0;
                // stale: from exactly at the cutoff back to a week before it
                for (int i = 0; i < data.stale; i++) {
                    addWindow(s, n++, cutoff.minusSeconds(i % weekSeconds), "OPEN");
                }
                // fresh: from one second after the cutoff up to now
                for (int i = 0; i < data.fresh; i++) {
                    addWindow(s, n++, now.minusSeconds(i % (23 * 3600 + 54 * 60)), "OPEN");
                }
                // done: older than the stale ones, nine in ten expired by an earlier sweep (its watermark, set
                // below), one in ten CLOSED (131047)
                for (int i = 0; i < data.done; i++) {
                    addWindow(s, n++, previousCutoff.minusSeconds(i % weekSeconds), i % 10 == 0 ? "CLOSED" : "OPEN");
                }
                if (n % BATCH != 0) {
                    s.executeBatch();
                    c.commit();
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE window_sweep SET cutoff = ?, swept_at = ?")) {
                s.setObject(1, utc(previousCutoff));
                s.setObject(2, utc(previousCutoff));
                s.executeUpdate();
                c.commit();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO notification (id, recipient, body_text, "
                    + "category, source, status, hold_reason, created_at, updated_at) "
                    + "VALUES (?, ?, ?, 'UTILITY', 'crm', ?, ?, ?, ?)")) {
                int n = 0;
                for (int i = 0; i < data.heldOld; i++) {
                    addNotification(s, n++, "HELD", holdLimit.minusSeconds(i % weekSeconds));
                }
                for (int i = 0; i < data.heldYoung; i++) {
                    addNotification(s, n++, "HELD", now.minusSeconds(i % (6 * 24 * 3600)));
                }
                String[] others = {"DELIVERED", "READ", "SENT", "FAILED", "EXPIRED"};
                for (int i = 0; i < data.other; i++) {
                    addNotification(s, n++, others[i % others.length], holdLimit.minus(Duration.ofDays(i % 30)));
                }
                if (n % BATCH != 0) {
                    s.executeBatch();
                    c.commit();
                }
            }
        }
    }

    private void addWindow(PreparedStatement s, int n, Instant lastInboundAt, String state) throws SQLException {
        s.setString(1, String.format("+1%010d", n));
        s.setObject(2, utc(lastInboundAt));
        s.setString(3, "wamid.HBgLMTQxNTU1NTAxMDAVAgASGBQzQUY" + n);
        s.setString(4, state);
        s.setObject(5, utc(lastInboundAt));
        s.addBatch();
        flushEvery(s, n);
    }

    private void addNotification(PreparedStatement s, int n, String status, Instant createdAt) throws SQLException {
        s.setString(1, "crm-expiry-" + n);
        s.setString(2, String.format("+1%010d", n % 1_000_000));
        s.setString(3, "Your order " + n + " has shipped and arrives on Tuesday.");
        s.setString(4, status);
        s.setString(5, "HELD".equals(status) ? "WINDOW" : null);
        s.setObject(6, utc(createdAt));
        s.setObject(7, utc(createdAt));
        s.addBatch();
        flushEvery(s, n);
    }

    private static void flushEvery(PreparedStatement s, int n) throws SQLException {
        if ((n + 1) % BATCH == 0) {
            s.executeBatch();
            s.getConnection().commit();
        }
    }

    /** The plans of the sweep's two statements at this run's cutoffs, for the log (not timed). */
    private void printPlans(HikariDataSource dataSource, String vendor) throws SQLException {
        String cutoff = literal(vendor, now.minus(Duration.ofHours(24).minusMinutes(5)));
        String holdLimit = literal(vendor, now.minus(HOLD_MAX_AGE));
        String[] statements = {
            "SELECT COUNT(*) FROM session_window WHERE state = 'OPEN' AND last_inbound_at > "
                + literal(vendor, now.minus(Duration.ofHours(24).minusMinutes(5)).minus(Duration.ofDays(8)))
                + " AND last_inbound_at <= " + cutoff,
            "UPDATE notification SET status = 'EXPIRED', error_details = 'x', updated_at = " + literal(vendor, now)
                + " WHERE status = 'HELD' AND created_at <= " + holdLimit};
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                String explain = "postgresql".equals(vendor) ? "EXPLAIN " + sql : "EXPLAIN PLAN FOR " + sql;
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = s.executeQuery(explain)) {
                    while (rs.next()) {
                        String line = rs.getString(1);
                        // HSQLDB's plan is a long tree: its access path is what matters here
                        if ("postgresql".equals(vendor) || line.contains("index=") || line.contains("cardinality")) {
                            plan.append("\n        ").append(line.trim());
                        }
                    }
                }
                System.out.println("      plan of " + sql.substring(0, sql.indexOf(" WHERE")) + ":" + plan);
            }
        }
    }

    /** A timestamp with time zone literal (HSQLDB reads the zone of a TIMESTAMP literal; PostgreSQL drops it). */
    private static String literal(String vendor, Instant instant) {
        return ("postgresql".equals(vendor) ? "TIMESTAMPTZ '" : "TIMESTAMP '")
                + instant.toString().replace('T', ' ').replace("Z", "+00:00") + "'";
    }

    /** Fails unless the database shows the stale windows OPEN before the sweep (and the others as loaded). */
    private void verifyBefore(HikariDataSource dataSource) throws SQLException {
        Map<String, Long> windows = counts(dataSource, "SELECT state, COUNT(*) FROM session_window_status "
                + "GROUP BY state");
        long closed = (data.done + 9) / 10;
        Map<String, Long> expected = new TreeMap<>();
        expected.put("OPEN", (long) data.stale + data.fresh);
        expected.put("EXPIRED", (long) data.done - closed);
        expected.put("CLOSED", closed);
        expected.values().removeIf(v -> v == 0);
        if (!windows.equals(expected)) {
            throw new IllegalStateException("before the sweep the windows are " + windows + ", expected " + expected);
        }
    }

    /** Fails unless the sweep expired exactly the stale windows and old held notifications and nothing else. */
    private void verify(HikariDataSource dataSource, ExpirySweep.Result result) throws SQLException {
        Map<String, Long> windows = counts(dataSource, "SELECT state, COUNT(*) FROM session_window_status "
                + "GROUP BY state");
        Map<String, Long> held = counts(dataSource, "SELECT status, COUNT(*) FROM notification "
                + "WHERE hold_reason IS NOT NULL GROUP BY status");
        long closed = (data.done + 9) / 10;
        Map<String, Long> expectedWindows = new TreeMap<>();
        expectedWindows.put("OPEN", (long) data.fresh);
        expectedWindows.put("EXPIRED", (long) data.stale + data.done - closed);
        expectedWindows.put("CLOSED", closed);
        expectedWindows.values().removeIf(v -> v == 0);
        Map<String, Long> expectedHeld = new TreeMap<>();
        expectedHeld.put("EXPIRED", (long) data.heldOld);
        expectedHeld.put("HELD", (long) data.heldYoung);
        expectedHeld.values().removeIf(v -> v == 0);
        long otherExpired = counts(dataSource, "SELECT status, COUNT(*) FROM notification WHERE hold_reason IS NULL "
                + "AND status = 'EXPIRED' GROUP BY status").getOrDefault("EXPIRED", 0L);
        if (result.windowsExpired() != data.stale || result.heldExpired() != data.heldOld
                || !windows.equals(expectedWindows) || !held.equals(expectedHeld)
                || otherExpired != data.other / 5) {
            throw new IllegalStateException("the sweep expired the wrong rows: answered " + result + ", windows "
                    + windows + " (expected " + expectedWindows + "), held notifications " + held + " (expected "
                    + expectedHeld + "), other EXPIRED notifications " + otherExpired);
        }
    }

    private static String settings(HikariDataSource dataSource) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, setting, unit FROM pg_settings WHERE name IN ('fsync', "
                     + "'synchronous_commit', 'shared_buffers', 'max_wal_size', 'full_page_writes') ORDER BY name")) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('=').append(rs.getString(2))
                        .append(rs.getString(3) == null ? "" : rs.getString(3)).append(' ');
            }
        }
        return out.toString().trim();
    }

    private static Map<String, Long> counts(HikariDataSource dataSource, String sql) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                counts.put(rs.getString(1).trim(), rs.getLong(2));
            }
        }
        return counts;
    }

    /** Runs each of the statements separated by "; " (VACUUM cannot run in a multi-statement string). */
    private static void execute(HikariDataSource dataSource, String statements) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements.split("; ")) {
                s.execute(sql);
            }
        }
    }

    /** The production pool: HikariCP with db.pool-size 10 (AppConfiguration.dataSource). */
    private static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("expiry-bench");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(10);
        return new HikariDataSource(config);
    }

    /** Heap in use after a full GC: what the in-memory tables of HSQLDB hold. */
    private static long heapUsedMib() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static double secondsSince(long t0) {
        return LatencyBenchmark.secondsSince(t0);
    }
}
