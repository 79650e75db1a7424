package io.windowgate.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

/**
 * A DataSource that lets another writer in at an exact point: just before the first statement starting with the given
 * SQL is prepared, it runs the competing action once (on the real database, through other connections). This replays
 * a race deterministically instead of hoping threads interleave that way.
 */
final class RacingDataSource {

    /** The competing write, e.g. another node handling the same webhook. */
    @FunctionalInterface
    interface Competitor {
        void run() throws Exception;
    }

    private RacingDataSource() {
    }

    static DataSource beforeFirst(DataSource target, String sqlPrefix, Competitor competitor) {
        return before(target, sqlPrefix, competitor, true);
    }

    /** Like {@link #beforeFirst} but before every such statement, e.g. a conflict the database reports each time. */
    static DataSource everyTime(DataSource target, String sqlPrefix, Competitor competitor) {
        return before(target, sqlPrefix, competitor, false);
    }

    private static DataSource before(DataSource target, String sqlPrefix, Competitor competitor, boolean once) {
        AtomicBoolean armed = new AtomicBoolean(true);
        InvocationHandler connections = (proxy, method, args) -> {
            Object result = invoke(target, method, args);
            if (result instanceof Connection connection) {
                return Proxy.newProxyInstance(RacingDataSource.class.getClassLoader(), new Class<?>[] {Connection.class},
                        (p, m, a) -> {
                            if (m.getName().equals("prepareStatement") && a != null && a[0] instanceof String sql
                                    && sql.startsWith(sqlPrefix) && (!once || armed.compareAndSet(true, false))) {
                                competitor.run();
                            }
                            return invoke(connection, m, a);
                        });
            }
            return result;
        };
        return (DataSource) Proxy.newProxyInstance(RacingDataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, connections);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
