package io.windowgate.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * Keeps HSQLDB's compiled statements alive between calls. HSQLDB compiles a statement once per session (connection),
 * but forgets it as soon as the last {@code PreparedStatement} of that SQL on the session is closed. The stores take a
 * pooled connection, prepare, run and close per call, so every call parsed and planned its SQL again (8% of the CPU
 * of a bulk send: JFR of {@code .ci/benchmark-bulk}, {@code StatementManager.compile} under every store). This
 * DataSource hands out the pool's connections and, the first time a SQL text is prepared on a pooled connection,
 * prepares it once more on the same physical connection and keeps that one open; from then on the session finds the
 * compiled statement in its cache. The pinned statements close with their connection (when the pool retires it).
 *
 * <p>Only plain {@code prepareStatement(String)} calls are pinned, at most {@link #MAX_PINS} distinct texts per
 * connection (a query built with a varying number of parameters adds one per length). A text that does not compile is
 * not pinned: the caller's own prepare reports the error. PostgreSQL's driver keeps prepared statements per connection
 * itself, so this is for HSQLDB only.
 */
public final class StatementPins implements DataSource {

    static final int MAX_PINS = 256;

    private final DataSource pool;
    /** Per physical connection, its pinned statements; a connection is used by one thread at a time. */
    private final Map<Connection, Map<String, PreparedStatement>> pinned = new ConcurrentHashMap<>();

    public StatementPins(DataSource pool) {
        this.pool = pool;
    }

    /** How many SQL texts are pinned on the physical connection behind {@code connection} (for tests). */
    int pinnedOn(Connection connection) throws SQLException {
        Map<String, PreparedStatement> pins = pinned.get(connection.unwrap(Connection.class));
        return pins == null ? 0 : pins.size();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return pinning(pool.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return pinning(pool.getConnection(username, password));
    }

    private Connection pinning(Connection pooled) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (args != null && args.length == 1 && args[0] instanceof String sql
                            && method.getName().equals("prepareStatement")) {
                        pin(pooled.unwrap(Connection.class), sql);
                    }
                    try {
                        return method.invoke(pooled, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private void pin(Connection physical, String sql) {
        Map<String, PreparedStatement> pins = pinned.get(physical);
        if (pins == null) {
            // a connection new to the pool: forget those it has closed meanwhile
            pinned.keySet().removeIf(StatementPins::isClosed);
            pins = pinned.computeIfAbsent(physical, c -> new ConcurrentHashMap<>());
        }
        if (pins.size() >= MAX_PINS || pins.containsKey(sql)) {
            return;
        }
        try {
            pins.put(sql, physical.prepareStatement(sql));
        } catch (SQLException e) {
            // not pinned; the caller's own prepare of the same text reports what is wrong with it
        }
    }

    private static boolean isClosed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || pool.isWrapperFor(type);
    }
}
