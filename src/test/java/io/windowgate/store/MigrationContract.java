package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;

import io.windowgate.notification.Status;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/** The Flyway migrations, run as AppConfiguration runs them, on an empty database of each vendor. */
abstract class MigrationContract extends StoreTestSupport {

    /** The newest migration in src/main/resources/db/migration; raise it with every new migration. */
    private static final int LATEST_VERSION_HSQLDB = 11;
    /** V11 (CACHED tables) exists for HSQLDB only. */
    private static final int LATEST_VERSION_POSTGRESQL = 10;

    private int latestVersion() {
        return database.vendor() == TestDatabase.Vendor.HSQLDB ? LATEST_VERSION_HSQLDB : LATEST_VERSION_POSTGRESQL;
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
        assertThat(result.migrationsExecuted).isEqualTo(latestVersion());
        assertThat(result.initialSchemaVersion).isNull();
        assertThat(result.targetSchemaVersion).isEqualTo(Integer.toString(latestVersion()));
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
        assertThat(again.initialSchemaVersion).isEqualTo(Integer.toString(latestVersion()));
        assertThat(countRows("notification")).isEqualTo(1);
        assertThat(windows.lastInboundAt(ALICE)).isEqualTo(T0);
    }
}
