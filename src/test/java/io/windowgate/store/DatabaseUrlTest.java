package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.hsqldb.jdbc.JDBCDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** db.url: which database it names, and that an embedded HSQLDB file database syncs every commit. */
class DatabaseUrlTest {

    @TempDir
    Path dir;

    @Test
    void tellsTheDatabaseKindAndWhereAnHsqldbDatabaseLives() {
        assertThat(DatabaseUrl.parse("jdbc:postgresql://db:5432/windowgate?password=x").dialect()).isEqualTo(Dialect.POSTGRESQL);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:file:data/db/windowgate;hsqldb.tx=mvcc").dialect()).isEqualTo(Dialect.HSQLDB);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:file:data/db/w").location()).isEqualTo(DatabaseUrl.Location.FILE);
        assertThat(DatabaseUrl.parse("JDBC:HSQLDB:FILE:/var/w").location()).isEqualTo(DatabaseUrl.Location.FILE);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:data/db/w;shutdown=true").location())
                .as("a bare path is a file").isEqualTo(DatabaseUrl.Location.FILE);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:mem:w;hsqldb.tx=mvcc").location()).isEqualTo(DatabaseUrl.Location.MEMORY);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:.").location()).isEqualTo(DatabaseUrl.Location.MEMORY);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:res:/db/w").location()).isEqualTo(DatabaseUrl.Location.RESOURCE);
        for (String server : new String[] {"hsql", "hsqls", "http", "https"}) {
            assertThat(DatabaseUrl.parse("jdbc:hsqldb:" + server + "://db:9001/w").location())
                    .as(server).isEqualTo(DatabaseUrl.Location.SERVER);
        }
    }

    @Test
    void refusesOtherDatabasesWithoutRepeatingTheUrl() {
        assertThatThrownBy(() -> DatabaseUrl.parse("jdbc:mysql://db/w?password=secret"))
                .hasMessage("db.url must be an HSQLDB URL (jdbc:hsqldb:file:data/db/windowgate) or a PostgreSQL one "
                        + "(jdbc:postgresql://host:5432/windowgate), was one starting 'jdbc:mysql:'");
        assertThatThrownBy(() -> DatabaseUrl.parse("data/db/windowgate")).hasMessageEndingWith("was one starting ''");
    }

    @Test
    void readsTheDelayTheUrlAsksFor() {
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:file:w;hsqldb.tx=mvcc").requestedDelayMillis()).isEqualTo(-1);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:file:w;hsqldb.write_delay=false").requestedDelayMillis()).isZero();
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:file:w;hsqldb.write_delay=true").requestedDelayMillis())
                .isEqualTo(500);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:file:w;hsqldb.write_delay=false;hsqldb.write_delay_millis=100")
                .requestedDelayMillis()).as("HSQLDB reads the millis over the flag").isEqualTo(100);
        assertThat(DatabaseUrl.parse("jdbc:hsqldb:file:w;HSQLDB.WRITE_DELAY=true").requestedDelayMillis())
                .as("HSQLDB ignores a name in capitals").isEqualTo(-1);
        assertThatThrownBy(() -> DatabaseUrl.parse("jdbc:hsqldb:file:w;hsqldb.write_delay_millis=soon")
                .requestedDelayMillis())
                .hasMessage("db.url sets hsqldb.write_delay_millis to 'soon', which is no number of milliseconds: "
                        + "remove it, or set 0 to sync every commit");
    }

    @Test
    void aFileDatabaseCreatedWithoutTheSettingSyncsEveryCommit() throws Exception {
        String url = "jdbc:hsqldb:file:" + dir.resolve("moved/windowgate") + ";hsqldb.tx=mvcc";

        DatabaseUrl.parse(url).makeDurable(dataSource(url, "SA"));

        assertThat(delayMillis(url)).isZero();
        shutdown(url);
        assertThat(delayMillis(url)).as("stored in the database, kept across a restart").isZero();
        shutdown(url);
    }

    @Test
    void aFileDatabaseCreatedEarlierWithTheDelaySyncsEveryCommitEvenIfTheUrlNowAsksForThat() throws Exception {
        String created = "jdbc:hsqldb:file:" + dir.resolve("old/windowgate");
        assertThat(delayMillis(created)).isEqualTo(500);
        shutdown(created);
        String url = created + ";hsqldb.write_delay=false";
        assertThat(delayMillis(url)).as("HSQLDB reads the URL's setting only when it creates the database")
                .isEqualTo(500);

        DatabaseUrl.parse(url).makeDurable(dataSource(url, "SA"));

        assertThat(delayMillis(url)).isZero();
        shutdown(url);
    }

    @Test
    void aDelayTheUrlAsksForIsKept() throws Exception {
        String url = "jdbc:hsqldb:file:" + dir.resolve("fast/windowgate") + ";hsqldb.write_delay=true";

        DatabaseUrl.parse(url).makeDurable(dataSource(url, "SA"));

        assertThat(delayMillis(url)).isEqualTo(500);
        shutdown(url);
        assertThat(DatabaseUrl.parse(url).delayWarning(500)).isEqualTo("db.url asks HSQLDB to delay its disk syncs, "
                + "and the database file:" + dir.resolve("fast/windowgate") + " syncs commits only every 500 ms: a "
                + "crash (kill -9, power loss) loses up to that much of the latest commits, so accepted notifications "
                + "can vanish and sent ones be sent again after the restart. Remove hsqldb.write_delay and "
                + "hsqldb.write_delay_millis from db.url to sync every commit");
    }

    @Test
    void anInMemoryDatabaseIsLeftAlone() throws Exception {
        String url = "jdbc:hsqldb:mem:durability-" + System.nanoTime();

        DatabaseUrl.parse(url).makeDurable(dataSource(url, "SA"));

        assertThat(delayMillis(url)).as("nothing of it reaches a disk").isEqualTo(500);
        shutdown(url);
    }

    @Test
    void aUserThatMayNotChangeTheSettingStopsTheStartWithWhatToDo() throws Exception {
        String url = "jdbc:hsqldb:file:" + dir.resolve("shared/windowgate");
        try (Connection c = dataSource(url, "SA").getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE USER app PASSWORD 'pw'");
        }

        JDBCDataSource app = dataSource(url, "APP");
        app.setPassword("pw");
        assertThatThrownBy(() -> DatabaseUrl.parse(url).makeDurable(app))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The HSQLDB database file:" + dir.resolve("shared/windowgate")
                        + " syncs commits to disk only every 500 ms, and db.username may not change that (")
                .hasMessageEndingWith("Run SET FILES WRITE DELAY FALSE in it as its admin (SA), or connect as the "
                        + "admin once");
        shutdown(url);
    }

    private static JDBCDataSource dataSource(String url, String user) {
        JDBCDataSource dataSource = new JDBCDataSource();
        dataSource.setUrl(url);
        dataSource.setUser(user);
        dataSource.setPassword("");
        return dataSource;
    }

    /** How long the database waits between disk syncs, as it reports it itself. */
    private static long delayMillis(String url) throws SQLException {
        try (Connection c = dataSource(url, "SA").getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT PROPERTY_VALUE FROM INFORMATION_SCHEMA.SYSTEM_PROPERTIES "
                        + "WHERE PROPERTY_NAME = 'hsqldb.write_delay_millis'")) {
            rs.next();
            return Long.parseLong(rs.getString(1));
        }
    }

    private static void shutdown(String url) throws SQLException {
        try (Connection c = dataSource(url, "SA").getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        }
    }
}
