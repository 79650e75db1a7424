package io.windowgate.store;

import io.windowgate.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.TemplateRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Opens a fresh database, migrated like the application's, and the stores on it before each store test. */
abstract class StoreTestSupport {

    /** The test clock starts here, on whole seconds (both databases keep microseconds). */
    static final Instant T0 = Instant.parse("2026-03-10T12:00:00Z");
    static final String ALICE = "+14155550123";
    static final String BOB = "+447700900123";

    protected MutableClock clock;
    protected TestDatabase database;
    protected NotificationStore notifications;
    protected OutboxClaims claims;
    protected DeliveryRecords records;
    protected SessionWindowStore windows;

    /** A new, empty database of the vendor under test. */
    protected abstract TestDatabase openDatabase() throws Exception;

    /** Whether setUp migrates the database (the migration tests do it themselves). */
    protected boolean migrateBeforeEach() {
        return true;
    }

    @BeforeEach
    void openStores() throws Exception {
        clock = new MutableClock(T0);
        database = openDatabase();
        if (migrateBeforeEach()) {
            database.migrate();
        }
        notifications = new NotificationStore(database.dataSource(), clock);
        claims = new OutboxClaims(database.dataSource(), database.dialect(), clock);
        records = new DeliveryRecords(database.dataSource(), clock);
        windows = new SessionWindowStore(database.dataSource(), clock);
    }

    @AfterEach
    void closeDatabase() throws Exception {
        if (database != null) {
            database.close();
        }
    }

    static Notification sessionText(String id, String to) {
        return new Notification(id, to, "Your order " + id + " has shipped.", null, Category.UTILITY, null, "crm");
    }

    static Notification templateOnly(String id, String to) {
        return new Notification(id, to, null, new TemplateRef("order_shipped", "en_US", List.of("123", "Tuesday"),
                Map.of()), Category.UTILITY, null, "csv");
    }

    /** The state of a recipient's window (OPEN / EXPIRED / CLOSED) as the database shows it, null when there is none. */
    protected String windowState(String recipient) throws SQLException {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT state FROM session_window_status WHERE recipient = ?")) {
            s.setString(1, recipient);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The state of the window between a business number (alias) and a recipient, null when there is none. */
    protected String windowState(String number, String recipient) throws SQLException {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT state FROM session_window_status "
                     + "WHERE business_number = ? AND recipient = ?")) {
            s.setString(1, number);
            s.setString(2, recipient);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    protected long countRows(String table) throws SQLException {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM " + table);
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
