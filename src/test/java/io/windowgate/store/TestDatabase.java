package io.windowgate.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * One empty database for one test: a fresh in-memory HSQLDB (MVCC), or a fresh schema in a shared embedded
 * PostgreSQL. Closing it drops everything the test created.
 */
public final class TestDatabase implements AutoCloseable {

    /** The two databases Windowgate supports. */
    public enum Vendor { HSQLDB, POSTGRESQL }

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final int POOL_SIZE = 10;

    private final Vendor vendor;
    private final String url;
    private final HikariDataSource pool;
    private final StatementPins pins;
    private final AutoCloseable dropper;

    private TestDatabase(Vendor vendor, String url, HikariDataSource pool, StatementPins pins, AutoCloseable dropper) {
        this.vendor = vendor;
        this.url = url;
        this.pool = pool;
        this.pins = pins;
        this.dropper = dropper;
    }

    /**
     * A new, empty in-memory HSQLDB in MVCC mode, as the default configuration runs it: the stores get the pool
     * through StatementPins, as in AppConfiguration.
     */
    /** The application's name for this database's kind. */
    public Dialect dialect() {
        return vendor == Vendor.POSTGRESQL ? Dialect.POSTGRESQL : Dialect.HSQLDB;
    }

    public static TestDatabase hsqldb() {
        String url = "jdbc:hsqldb:mem:wgstore" + SEQUENCE.incrementAndGet() + ";hsqldb.tx=mvcc";
        HikariDataSource pool = pool(url, "SA", "");
        return new TestDatabase(Vendor.HSQLDB, url, pool, new StatementPins(pool), () -> {
            try (Connection c = DriverManager.getConnection(url, "SA", ""); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            }
        });
    }

    /** A new, empty schema in the shared embedded PostgreSQL; connections use it as their current schema. */
    static TestDatabase postgresql(EmbeddedPostgres postgres) throws SQLException {
        String schema = "wgstore" + SEQUENCE.incrementAndGet();
        DataSource admin = postgres.getPostgresDatabase();
        execute(admin, "CREATE SCHEMA " + schema);
        String url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres?currentSchema=" + schema;
        HikariDataSource pool = pool(url, "postgres", "");
        return new TestDatabase(Vendor.POSTGRESQL, url, pool, null, () -> execute(admin, "DROP SCHEMA " + schema + " CASCADE"));
    }

    private static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("store-test");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(1);
        return new HikariDataSource(config);
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Migrates exactly as AppConfiguration does: the common scripts plus the vendor folder, chosen by the URL. */
    public MigrateResult migrate() {
        return migrate("latest");
    }

    /** Migrates up to the given version only ("latest": all), as a database of an earlier release would be. */
    public MigrateResult migrate(String targetVersion) {
        String folder = url.startsWith("jdbc:postgresql:") ? "postgresql" : "hsqldb";
        return Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration/common", "classpath:db/migration/" + folder)
                .failOnMissingLocations(false)
                .target(targetVersion)
                .load()
                .migrate();
    }

    public Vendor vendor() {
        return vendor;
    }

    /** What the stores get: the pool, through StatementPins on HSQLDB. */
    public DataSource dataSource() {
        return pins != null ? pins : pool;
    }

    /** The pool itself, as Flyway and Quartz get it. */
    DataSource pool() {
        return pool;
    }

    /** The statement pins of an HSQLDB database (null on PostgreSQL). */
    StatementPins pins() {
        return pins;
    }

    @Override
    public void close() throws Exception {
        pool.close();
        dropper.close();
    }
}
