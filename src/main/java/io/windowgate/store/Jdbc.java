package io.windowgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small JDBC helpers shared by the stores: bound parameters only, timestamps as UTC instants. */
final class Jdbc {

    private static final Logger LOG = LoggerFactory.getLogger(Jdbc.class);

    /** SQLSTATE of a unique or primary key violation on both HSQLDB and PostgreSQL. */
    private static final String UNIQUE_VIOLATION = "23505";

    /**
     * SQLSTATE class of a transaction the database rolled back to break a deadlock or a write conflict: 40001
     * (serialization failure, HSQLDB's answer to a deadlock in MVCC mode) and 40P01 (PostgreSQL's deadlock).
     */
    private static final String TRANSACTION_ROLLBACK_CLASS = "40";

    /** How often a transaction rolled back by the database is run again before the error goes to the caller. */
    static final int TRANSACTION_ATTEMPTS = 4;

    private Jdbc() {
    }

    /** Work done in one transaction on the given connection; it may run more than once, so it must start afresh. */
    @FunctionalInterface
    interface Transaction<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction and commits. When the database rolls it back to resolve a deadlock or a
     * conflicting write (SQLSTATE class 40), the whole transaction runs again, up to {@link #TRANSACTION_ATTEMPTS}
     * times: the other party has committed by then, and every statement here is written to be correct on top of it.
     * Any other error rolls back and goes to the caller.
     */
    static <T> T inTransaction(DataSource dataSource, Transaction<T> work) throws SQLException {
        for (int attempt = 1;; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    if (attempt >= TRANSACTION_ATTEMPTS || !(e instanceof SQLException sql && isRolledBack(sql))) {
                        throw e;
                    }
                    LOG.info("The database rolled a transaction back to resolve a conflict ({}); running it again, "
                            + "attempt {} of {}", e.getMessage(), attempt + 1, TRANSACTION_ATTEMPTS);
                } finally {
                    c.setAutoCommit(true);
                }
            }
        }
    }

    /** Whether the database rolled the transaction back to break a deadlock or a write conflict (worth a retry). */
    static boolean isRolledBack(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && sql.getSQLState().startsWith(TRANSACTION_ROLLBACK_CLASS)) {
                return true;
            }
        }
        return false;
    }

    static void bind(PreparedStatement statement, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            Object value = values[i];
            if (value instanceof Instant instant) {
                statement.setObject(i + 1, instant.atOffset(ZoneOffset.UTC));
            } else if (value == null) {
                statement.setNull(i + 1, Types.NULL);
            } else {
                statement.setObject(i + 1, value);
            }
        }
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static Integer integer(ResultSet rs, String column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    static boolean isUniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code count} bound parameters for an IN list ("?, ?, ?"). Callers bound the count (a few hundred at most):
     * the statement text, and the database's plan cache, grow with it.
     */
    static String marks(int count) {
        return String.join(", ", java.util.Collections.nCopies(count, "?"));
    }

    static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
