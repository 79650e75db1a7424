package io.windowgate.store;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

/**
 * The real database, counting the statements prepared through it: a set-based path costs a few statements however
 * many rows it handles, a row-by-row one as many as the rows. Every statement still runs on the database.
 */
final class CountingDataSource {

    private final DataSource counted;
    private final AtomicInteger statements = new AtomicInteger();

    CountingDataSource(DataSource target) {
        counted = (DataSource) Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    if (result instanceof Connection connection) {
                        return Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(),
                                new Class<?>[] {Connection.class}, (p, m, a) -> {
                                    if (m.getName().equals("prepareStatement") || m.getName().equals("createStatement")) {
                                        statements.incrementAndGet();
                                    }
                                    return invoke(connection, m, a);
                                });
                    }
                    return result;
                });
    }

    DataSource dataSource() {
        return counted;
    }

    /** Statements prepared since the last call. */
    int statements() {
        return statements.getAndSet(0);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
