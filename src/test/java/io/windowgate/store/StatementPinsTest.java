package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;

import org.hsqldb.jdbc.JDBCPreparedStatement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatementPinsTest {

    private static final String QUERY = "SELECT recipient FROM session_window WHERE recipient = ?";

    private TestDatabase database;
    private StatementPins pins;

    @BeforeEach
    void open() throws SQLException {
        database = TestDatabase.hsqldb();
        database.migrate();
        pins = database.pins();
    }

    @AfterEach
    void close() throws Exception {
        database.close();
    }

    @Test
    void aClosedStatementIsCompiledOnlyOnceWhenPinned() throws SQLException {
        try (Connection c = pins.getConnection()) {
            long first = compiledId(c);
            long second = compiledId(c);

            assertThat(second).isEqualTo(first);
            assertThat(pins.pinnedOn(c)).isEqualTo(1);
        }
    }

    @Test
    void thePinOutlivesTheConnectionsReturnToThePool() throws SQLException {
        // the test pool keeps one idle connection, so a borrow right after a return gets the same physical one
        long first;
        Connection physical;
        try (Connection c = pins.getConnection()) {
            first = compiledId(c);
            physical = c.unwrap(Connection.class);
        }
        try (Connection c = pins.getConnection()) {
            assertThat(c.unwrap(Connection.class)).isSameAs(physical);
            assertThat(compiledId(c)).isEqualTo(first);
        }
    }

    @Test
    void withoutThePinHsqldbCompilesTheTextAgain() throws SQLException {
        // the reason for StatementPins: should HSQLDB ever keep closed statements itself, this fails and it can go
        try (Connection c = database.pool().getConnection()) {
            long first = compiledId(c);
            long second = compiledId(c);

            assertThat(second).isNotEqualTo(first);
        }
    }

    @Test
    void pinnedStatementsRunWithTheCallersParameters() throws SQLException {
        try (Connection c = pins.getConnection(); PreparedStatement insert = c.prepareStatement(
                "INSERT INTO session_window (recipient, last_inbound_at, state, updated_at) VALUES (?, CURRENT_TIMESTAMP, 'OPEN', CURRENT_TIMESTAMP)")) {
            for (String recipient : new String[] {"+4915112345678", "+4915112345679"}) {
                insert.setString(1, recipient);
                insert.executeUpdate();
            }
        }
        try (Connection c = pins.getConnection()) {
            for (String recipient : new String[] {"+4915112345678", "+4915112345679", "+4915100000000"}) {
                try (PreparedStatement s = c.prepareStatement(QUERY)) {
                    s.setString(1, recipient);
                    try (ResultSet rs = s.executeQuery()) {
                        assertThat(rs.next()).as(recipient).isEqualTo(!recipient.endsWith("00000000"));
                    }
                }
            }
            assertThat(pins.pinnedOn(c)).isEqualTo(2);
        }
    }

    @Test
    void aTextThatDoesNotCompileIsReportedToTheCallerAndNotPinned() throws SQLException {
        try (Connection c = pins.getConnection()) {
            assertThatThrownBy(() -> c.prepareStatement("SELECT nothing FROM no_such_table"))
                    .isInstanceOf(SQLSyntaxErrorException.class)
                    .hasMessageContaining("NO_SUCH_TABLE");
            assertThat(pins.pinnedOn(c)).isZero();
        }
    }

    @Test
    void atMostMaxPinsTextsArePinnedAndTheRestStillRun() throws SQLException {
        int texts = StatementPins.MAX_PINS + 10;
        try (Connection c = pins.getConnection()) {
            for (int i = 0; i < texts; i++) {
                try (PreparedStatement s = c.prepareStatement("VALUES (CAST(? AS INTEGER) + " + i + ")")) {
                    s.setInt(1, 1);
                    try (ResultSet rs = s.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getInt(1)).isEqualTo(i + 1);
                    }
                }
            }
            assertThat(pins.pinnedOn(c)).isEqualTo(StatementPins.MAX_PINS);
        }
    }

    private static long compiledId(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(QUERY)) {
            return s.unwrap(JDBCPreparedStatement.class).getStatementID();
        }
    }
}
