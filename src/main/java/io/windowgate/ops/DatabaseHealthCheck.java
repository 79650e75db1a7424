package io.windowgate.ops;

import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness includes the database: without it nothing can be accepted or sent. DOWN within db.connection-timeout of
 * asking (the pool's wait for a connection), UP again as soon as a connection can be made.
 *
 * <p>Not in liveness: a node whose database is down recovers by itself once the database is back (nothing accepted is
 * lost, the outbox resumes), while a restart would not bring the database back and could not even start (the
 * migrations at start need it), so restarting nodes for it only turns an outage into a crash loop.
 */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;

    public DatabaseHealthCheck(DataSource dataSource) {
        super("windowgate", "database");
        this.dataSource = dataSource;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection c = dataSource.getConnection()) {
            if (c.isValid(2)) {
                builder.up();
            } else {
                builder.message("database connection is not valid").down();
            }
        } catch (SQLTransientConnectionException e) {
            if (e.getCause() == null) {
                // the pool timed out without a failed connection attempt: every connection is in use, so the database
                // answers; a busy node is still ready
                builder.detail("pool", "all connections in use").up();
            } else {
                builder.message("database unreachable: " + e.getCause().getMessage()).down();
            }
        } catch (Exception e) {
            builder.message("database unreachable: " + e.getMessage()).down();
        }
    }
}
