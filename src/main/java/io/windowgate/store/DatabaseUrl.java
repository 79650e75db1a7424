package io.windowgate.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What db.url names: which database (HSQLDB or PostgreSQL), and for HSQLDB where it lives and the properties the URL
 * sets. Its main job is durability: an accepted notification, and the record that it was sent, must be on disk once
 * its commit returned, or a crash loses accepted notifications and sends them again after the restart.
 *
 * <p>An embedded HSQLDB file database syncs its log to disk only every 0.5 s unless it was created with
 * {@code hsqldb.write_delay=false}; the URL property counts only when the database is created, so a db.url that leaves
 * it out (as one pointing the database elsewhere easily does) creates a database that delays its writes for good, and
 * putting it back later changes nothing. {@link #makeDurable} therefore looks at what the database itself does and
 * switches it to a sync per commit with SQL, which HSQLDB stores in the database: that covers a new database and one
 * created earlier alike, without refusing to start over a setting the user never chose. A URL that asks for the delay
 * itself is respected, with a WARN saying what it costs.
 *
 * <p>Nothing to do for an in-memory HSQLDB (nothing reaches a disk), a read-only {@code res:} database, an HSQLDB
 * server ({@code hsql://}, {@code hsqls://}, {@code http://}, {@code https://}: how its databases sync is the server's
 * setting, for all of its clients, set where the server runs with {@code SET FILES WRITE DELAY FALSE}), or PostgreSQL
 * (syncs every commit unless the server is configured with synchronous_commit off).
 */
public final class DatabaseUrl {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseUrl.class);
    private static final String HSQLDB = "jdbc:hsqldb:";
    private static final String POSTGRESQL = "jdbc:postgresql:";
    /** HSQLDB's delay between syncs when the URL sets none, in milliseconds. */
    private static final long HSQLDB_DEFAULT_DELAY_MS = 500;

    /** Where an HSQLDB URL's database lives. */
    enum Location { FILE, MEMORY, RESOURCE, SERVER }

    private final Dialect dialect;
    private final Location location;
    /** The database without the URL's properties (no password that a URL may carry), for messages. */
    private final String database;
    /** The URL's HSQLDB properties (after ';'), as written; HSQLDB reads their names case-sensitively. */
    private final Map<String, String> properties;

    private DatabaseUrl(Dialect dialect, Location location, String database, Map<String, String> properties) {
        this.dialect = dialect;
        this.location = location;
        this.database = database;
        this.properties = properties;
    }

    /** Reads db.url; a URL of another database than the two Windowgate supports is refused. */
    public static DatabaseUrl parse(String url) {
        String lower = url.strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith(POSTGRESQL)) {
            return new DatabaseUrl(Dialect.POSTGRESQL, Location.SERVER, "", Map.of());
        }
        if (!lower.startsWith(HSQLDB)) {
            int kind = lower.indexOf(':', lower.indexOf(':') + 1);
            throw new IllegalStateException("db.url must be an HSQLDB URL (jdbc:hsqldb:file:data/db/windowgate) or a "
                    + "PostgreSQL one (jdbc:postgresql://host:5432/windowgate), was one starting '"
                    + (kind < 0 ? "" : url.strip().substring(0, kind + 1)) + "'");
        }
        String rest = url.strip().substring(HSQLDB.length());
        int semicolon = rest.indexOf(';');
        String target = semicolon < 0 ? rest : rest.substring(0, semicolon);
        Map<String, String> properties = new LinkedHashMap<>();
        if (semicolon >= 0) {
            for (String pair : rest.substring(semicolon + 1).split(";")) {
                int equals = pair.indexOf('=');
                if (!pair.isBlank()) {
                    properties.put(equals < 0 ? pair.strip() : pair.substring(0, equals).strip(),
                            equals < 0 ? "" : pair.substring(equals + 1).strip());
                }
            }
        }
        return new DatabaseUrl(Dialect.HSQLDB, location(target.toLowerCase(Locale.ROOT)), target, properties);
    }

    /** The HSQLDB URL forms: file: or a bare path is a file database; "." is HSQLDB's old name for mem:. */
    private static Location location(String target) {
        if (target.startsWith("mem:") || target.equals(".")) {
            return Location.MEMORY;
        }
        if (target.startsWith("res:")) {
            return Location.RESOURCE;
        }
        for (String server : new String[] {"hsql://", "hsqls://", "http://", "https://"}) {
            if (target.startsWith(server)) {
                return Location.SERVER;
            }
        }
        return Location.FILE;
    }

    /** Which of the two databases the URL names. */
    public Dialect dialect() {
        return dialect;
    }

    Location location() {
        return location;
    }

    /**
     * Whether the database is embedded in this process (an HSQLDB file, memory or resource database), so no other
     * node can share it: claims may then be kept in memory.
     */
    public boolean embedded() {
        return dialect == Dialect.HSQLDB && location != Location.SERVER;
    }

    /**
     * The sync delay this URL asks for in milliseconds (0: a sync per commit), or -1 when it sets none. HSQLDB reads
     * hsqldb.write_delay_millis over hsqldb.write_delay.
     */
    long requestedDelayMillis() {
        String millis = properties.get("hsqldb.write_delay_millis");
        if (millis != null) {
            try {
                return Long.parseLong(millis);
            } catch (NumberFormatException e) {
                throw new IllegalStateException("db.url sets hsqldb.write_delay_millis to '" + millis
                        + "', which is no number of milliseconds: remove it, or set 0 to sync every commit");
            }
        }
        String delay = properties.get("hsqldb.write_delay");
        if (delay == null) {
            return -1;
        }
        return delay.equalsIgnoreCase("false") ? 0 : HSQLDB_DEFAULT_DELAY_MS;
    }

    /**
     * Makes an embedded HSQLDB file database sync every commit to disk, unless db.url asks for a delay (then only
     * warns). Call it before anything is written. A database user that may not change the setting stops the start.
     */
    public void makeDurable(DataSource dataSource) throws SQLException {
        if (dialect != Dialect.HSQLDB || location != Location.FILE) {
            return;
        }
        long requested = requestedDelayMillis();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            long delay = currentDelayMillis(statement);
            if (requested > 0) {
                if (delay > 0) {
                    LOG.warn(delayWarning(delay));
                } else {
                    LOG.info("db.url asks HSQLDB to delay its disk syncs, but the database {} was created syncing "
                            + "every commit and keeps doing so (HSQLDB reads the URL's setting only when it creates "
                            + "a database)", database);
                }
                return;
            }
            if (delay == 0) {
                return;
            }
            try {
                statement.execute("SET FILES WRITE DELAY FALSE");
            } catch (SQLException e) {
                throw new IllegalStateException("The HSQLDB database " + database + " syncs commits to disk only every "
                        + delay + " ms, and db.username may not change that (" + e.getMessage() + "). Run SET FILES "
                        + "WRITE DELAY FALSE in it as its admin (SA), or connect as the admin once", e);
            }
            LOG.info("The HSQLDB database {} synced commits to disk only every {} ms (it was created by a db.url "
                    + "without hsqldb.write_delay=false); it now syncs every commit", database, delay);
        }
    }

    /** The WARN of a db.url that asks for a sync delay: what a crash then costs. */
    String delayWarning(long delayMillis) {
        return "db.url asks HSQLDB to delay its disk syncs, and the database " + database + " syncs commits only "
                + "every " + delayMillis + " ms: a crash (kill -9, power loss) loses up to that "
                + "much of the latest commits, so accepted notifications can vanish and sent ones be sent again after "
                + "the restart. Remove hsqldb.write_delay and hsqldb.write_delay_millis from db.url to sync every "
                + "commit";
    }

    private static long currentDelayMillis(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SELECT PROPERTY_VALUE FROM INFORMATION_SCHEMA.SYSTEM_PROPERTIES "
                + "WHERE PROPERTY_NAME = 'hsqldb.write_delay_millis'")) {
            return rs.next() ? Long.parseLong(rs.getString(1)) : HSQLDB_DEFAULT_DELAY_MS;
        }
    }
}
