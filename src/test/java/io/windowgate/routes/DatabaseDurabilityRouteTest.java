package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The application on an embedded HSQLDB file database named by a db.url without hsqldb.write_delay=false, as one
 * written to move the database elsewhere is: the database still syncs every commit to disk.
 */
class DatabaseDurabilityRouteTest extends RouteTestSupport {

    private Path databaseDir;

    @Override
    Properties extraProperties() {
        try {
            databaseDir = Files.createTempDirectory("windowgate-db");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Properties p = new Properties();
        p.setProperty("db.url", "jdbc:hsqldb:file:" + databaseDir.resolve("windowgate") + ";hsqldb.tx=mvcc");
        return p;
    }

    @AfterEach
    void removeDatabase() throws IOException {
        try (var files = Files.walk(databaseDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void aMovedFileDatabaseSyncsEveryCommit() throws Exception {
        DataSource dataSource = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT PROPERTY_VALUE FROM INFORMATION_SCHEMA.SYSTEM_PROPERTIES "
                        + "WHERE PROPERTY_NAME = 'hsqldb.write_delay_millis'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("milliseconds between disk syncs").isEqualTo("0");
        }
    }
}
