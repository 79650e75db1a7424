package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import io.windowgate.notification.Status;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/** The Flyway migrations, run as AppConfiguration runs them, on an empty database of each vendor. */
abstract class MigrationContract extends StoreTestSupport {

    /** The newest migration in src/main/resources/db/migration; raise it with every new migration. */
    private static final String LATEST_VERSION = "21.2";

    private String latestVersion() {
        return LATEST_VERSION;
    }

    /** The migration files of this database: the common ones and its own. */
    private long migrationCount() throws Exception {
        long count = 0;
        for (String folder : new String[] {"common", database.dialect().migrationFolder()}) {
            java.net.URL url = getClass().getResource("/db/migration/" + folder);
            try (var files = java.nio.file.Files.list(java.nio.file.Path.of(url.toURI()))) {
                count += files.filter(f -> f.getFileName().toString().matches("V[\\d_]+__.+\\.sql")).count();
            }
        }
        return count;
    }

    @Override
    protected boolean migrateBeforeEach() {
        return false;
    }

    @Test
    void migrationsApplyCleanlyOnAnEmptyDatabase() throws Exception {
        assertThatThrownBy(() -> countRows("notification")).isInstanceOf(SQLException.class);

        MigrateResult result = database.migrate();

        assertThat(result.success).isTrue();
        assertThat(result.migrationsExecuted).isEqualTo(migrationCount());
        assertThat(result.initialSchemaVersion).isNull();
        assertThat(result.targetSchemaVersion).isEqualTo(latestVersion());
        assertThat(countRows("notification")).isZero();
        assertThat(countRows("session_window")).isZero();
        assertThat(countRows("source_cursor")).isZero();
        assertThat(countRows("drop_file")).isZero();
        assertThat(countRows("source_rejection")).isZero();
    }

    @Test
    void secondMigrateIsANoOpAndKeepsTheData() throws Exception {
        database.migrate();
        assertThat(notifications.insert(sessionText("n-1", ALICE), Status.QUEUED)).isTrue();
        assertThat(windows.recordInbound(ALICE, T0, "wamid.in")).isTrue();

        MigrateResult again = database.migrate();

        assertThat(again.success).isTrue();
        assertThat(again.migrationsExecuted).isZero();
        assertThat(again.initialSchemaVersion).isEqualTo(latestVersion());
        assertThat(countRows("notification")).isEqualTo(1);
        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(T0);
    }

    @Test
    void windowsExpiredBeforeV12StayExpiredAndTheNextSweepCountsOnlyNewOnes() throws Exception {
        // the last version before V12 (V11 exists for HSQLDB only)
        database.migrate(database.vendor() == TestDatabase.Vendor.HSQLDB ? "11" : "10");
        Instant firstCutoff = T0.minus(Duration.ofDays(2));
        // as the sweep of V11 and before left them: row states written per window
        insertWindow("+14155550001", firstCutoff.minusSeconds(3_600), "EXPIRED");
        insertWindow("+14155550002", firstCutoff, "EXPIRED");
        insertWindow("+14155550003", firstCutoff.minusSeconds(60), "CLOSED");
        insertWindow("+14155550004", T0.minus(Duration.ofHours(30)), "OPEN");
        insertWindow("+14155550005", T0, "OPEN");

        database.migrate();

        assertThat(windowState("+14155550001")).isEqualTo("EXPIRED");
        assertThat(windowState("+14155550002")).isEqualTo("EXPIRED");
        assertThat(windowState("+14155550003")).isEqualTo("CLOSED");
        assertThat(windowState("+14155550004")).isEqualTo("OPEN");
        assertThat(windowState("+14155550005")).isEqualTo("OPEN");
        assertThat(windows.expireStale(T0.minus(Duration.ofHours(24)))).as("only the one still open").isEqualTo(1);
        assertThat(windowState("+14155550004")).isEqualTo("EXPIRED");
        assertThat(windowState("+14155550005")).isEqualTo("OPEN");
    }

    @Test
    void windowsAndNotificationsStoredBeforeV14BelongToTheDefaultNumberAndNothingIsLost() throws Exception {
        // V14 adds the business number, V15 makes the pair the window's key
        // the last version before V14 (V13 exists for HSQLDB only)
        database.migrate(database.vendor() == TestDatabase.Vendor.HSQLDB ? "13" : "12");
        insertWindow(ALICE, T0.minusSeconds(60), "OPEN");
        insertWindow(BOB, T0.minus(Duration.ofHours(30)), "OPEN");
        insertWindow("+14155550003", T0.minusSeconds(10), "CLOSED");
        insertHeldNotification("held-before-v14", ALICE);
        insertHeldNotification("other-before-v14", BOB);

        database.migrate();

        assertThat(countRows("session_window")).isEqualTo(3);
        assertThat(countRows("notification")).isEqualTo(2);
        assertThat(windows.lastInboundAt("default", ALICE)).isEqualTo(T0.minusSeconds(60));
        assertThat(windows.lastInboundAt("brand-b", ALICE)).as("no other number has a window").isNull();
        assertThat(windowState("default", BOB)).isEqualTo("OPEN");
        assertThat(windowState("default", "+14155550003")).isEqualTo("CLOSED");
        assertThat(windows.expireStale(T0.minus(Duration.ofHours(24)))).as("the sweep still finds them").isEqualTo(1);
        assertThat(windowState("default", BOB)).isEqualTo("EXPIRED");
        assertThat(notifications.find("held-before-v14").notification().sender()).isEqualTo("default");
        assertThat(notifications.releaseHeld("brand-b", ALICE)).isZero();
        assertThat(notifications.releaseHeld("default", ALICE)).isEqualTo(1);
        // the new primary key is the pair: the same customer can have a window on another number
        assertThat(windows.recordInbound("brand-b", ALICE, T0, "wamid.to-b")).isTrue();
        assertThat(countRows("session_window")).isEqualTo(4);
        assertThat(windows.lastInboundAt("default", ALICE)).isEqualTo(T0.minusSeconds(60));
    }

    @Test
    void eventsDeliveredBeforeV21MoveToTheSentTableAndTheOthersStayWithTheirOrder() throws Exception {
        database.migrate("20.1");
        CallbackEventStore events = new CallbackEventStore(database.dataSource(), database.dialect(), clock);
        events.eventsForEveryNotification(true);
        for (String id : List.of("n1", "n2", "n3", "n4")) {
            notifications.insert(sessionText(id, ALICE), Status.QUEUED);
        }
        // as V20 recorded a delivery: the row updated in place
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE callback_event SET state = ?, attempts = 1, "
                     + "finished_at = occurred_at WHERE notification_id = ?")) {
            for (String[] stateOf : new String[][] {{"SENT", "n1"}, {"SENT", "n3"}, {"FAILED", "n4"}}) {
                s.setString(1, stateOf[0]);
                s.setString(2, stateOf[1]);
                s.executeUpdate();
            }
        }

        database.migrate();

        assertThat(events.list(CallbackEventStore.State.SENT, 0, 10))
                .extracting(CallbackEventStore.Event::notificationId, CallbackEventStore.Event::attempts)
                .containsExactly(tuple("n1", 1), tuple("n3", 1));
        assertThat(countRows("callback_event")).isEqualTo(2);
        assertThat(events.list(CallbackEventStore.State.FAILED, 0, 10))
                .extracting(CallbackEventStore.Event::notificationId).containsExactly("n4");
        notifications.insert(sessionText("n5", ALICE), Status.QUEUED);
        assertThat(events.claimDue("cb-a", T0.plusSeconds(60), 10))
                .extracting(CallbackEventStore.Event::notificationId).containsExactly("n2", "n5");
        List<Long> ids = new java.util.ArrayList<>();
        for (CallbackEventStore.State state : CallbackEventStore.State.values()) {
            events.list(state, 0, 10).forEach(e -> ids.add(e.id()));
        }
        assertThat(ids).as("new events are numbered after the moved ones").doesNotHaveDuplicates().hasSize(5);
    }

    @Test
    void aDatabaseOfTheReleaseBeforeContactsMigratesWithItsWindowsAndNoContact() throws Exception {
        database.migrate("15");
        insertHeldNotification("held-before-v16", ALICE);
        assertThat(windows.recordInbound("default", BOB, T0, "wamid.in")).isTrue();

        database.migrate();

        assertThat(countRows("contact")).isZero();
        assertThat(countRows("inbound_unmatched")).isZero();
        assertThat(windows.lastInboundAt("default", BOB)).isEqualTo(T0);
        assertThat(notifications.releaseHeld("default", ALICE)).isEqualTo(1);
        ContactStore contacts = new ContactStore(database.dataSource(), clock);
        assertThat(contacts.link(ALICE, "14155550999", null, null, "send-answer")).isTrue();
        assertThat(contacts.phones("14155550999", null)).containsExactly(ALICE);
    }

    /** A HELD notification as the schema before V14 stores it (without a sender). */
    private void insertHeldNotification(String id, String recipient) throws SQLException {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO notification (id, recipient, body_text, source, "
                     + "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, id);
            s.setString(2, recipient);
            s.setString(3, "Your order has shipped.");
            s.setString(4, "crm");
            s.setString(5, "HELD");
            s.setObject(6, T0.atOffset(ZoneOffset.UTC));
            s.setObject(7, T0.atOffset(ZoneOffset.UTC));
            s.executeUpdate();
        }
    }

    private void insertWindow(String recipient, Instant lastInboundAt, String state) throws SQLException {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO session_window "
                     + "(recipient, last_inbound_at, last_inbound_wamid, state, updated_at) VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, recipient);
            s.setObject(2, lastInboundAt.atOffset(ZoneOffset.UTC));
            s.setString(3, "wamid." + recipient);
            s.setString(4, state);
            s.setObject(5, lastInboundAt.atOffset(ZoneOffset.UTC));
            s.executeUpdate();
        }
    }
}
