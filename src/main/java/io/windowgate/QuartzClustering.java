package io.windowgate;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import javax.sql.DataSource;

import io.windowgate.store.Dialect;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * Quartz in clustered JDBC job-store mode on Windowgate's own pool (camel.component.quartz.properties-ref): every node
 * that shares the database shares the triggers, each tick fires on one node, and a node that stops checking in is
 * taken over by the others after scheduler.cluster-checkin-ms. With one node this changes nothing but that the
 * triggers survive a restart.
 */
final class QuartzClustering {

    private QuartzClustering() {
    }

    /** The properties camel-quartz gives its scheduler (bound as quartzProperties). */
    static Map<String, String> properties(Settings settings, DataSource pool, Dialect dialect) {
        // Quartz looks its connections up by name in a JVM-wide registry: one name per Camel context
        String name = "windowgate-" + Integer.toHexString(System.identityHashCode(pool));
        DBConnectionManager.getInstance().addConnectionProvider(name, new PoolConnections(pool));
        Map<String, String> p = new LinkedHashMap<>();
        // the same scheduler name on every node: it is the cluster's name in the QRTZ_ tables
        p.put("org.quartz.scheduler.instanceName", settings.get("camel.main.name"));
        p.put("org.quartz.scheduler.instanceId", instanceId());
        p.put("org.quartz.scheduler.skipUpdateCheck", "true");
        // how long an idle scheduler waits before it looks for due triggers again (the default 30 s delays a take-over)
        p.put("org.quartz.scheduler.idleWaitTime", "5000");
        p.put("org.quartz.threadPool.threadCount", "3");
        p.put("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.put("org.quartz.jobStore.driverDelegateClass", dialect.quartzDelegate());
        p.put("org.quartz.jobStore.dataSource", name);
        p.put("org.quartz.jobStore.isClustered", "true");
        p.put("org.quartz.jobStore.clusterCheckinInterval", Long.toString(settings.getLong("scheduler.cluster-checkin-ms")));
        p.put("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        return p;
    }

    /**
     * This node's id among the schedulers sharing the QRTZ_ tables: host name and a random suffix, unique per start.
     * Not Quartz's own "AUTO": that fails the start ("Cannot run without an instance id") where the host name does not
     * resolve, as in a container build step.
     */
    static String instanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = Objects.requireNonNullElse(System.getenv("HOSTNAME"), "node");
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Quartz's connections from Windowgate's pool, which Windowgate closes when the Camel context stops. */
    private record PoolConnections(DataSource pool) implements ConnectionProvider {
        @Override
        public Connection getConnection() throws SQLException {
            return pool.getConnection();
        }

        @Override
        public void shutdown() {
            // the pool is Windowgate's, not Quartz's
        }

        @Override
        public void initialize() {
            // nothing to set up
        }
    }
}
