package io.windowgate.store;

/**
 * The two databases Windowgate runs on, and what differs between them: the migration folder, Quartz's SQL dialect,
 * whether claims can skip rows another node has locked, and whether compiled statements need pinning.
 */
public enum Dialect {
    /** The embedded default: one node, a file under data/. */
    HSQLDB("hsqldb", "org.quartz.impl.jdbcjobstore.HSQLDBDelegate", false, true),
    /** Production and several nodes. */
    POSTGRESQL("postgresql", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate", true, false);

    private final String folder;
    private final String quartzDelegate;
    private final boolean skipLocked;
    private final boolean pinStatements;

    Dialect(String folder, String quartzDelegate, boolean skipLocked, boolean pinStatements) {
        this.folder = folder;
        this.quartzDelegate = quartzDelegate;
        this.skipLocked = skipLocked;
        this.pinStatements = pinStatements;
    }

    /** The Flyway folder under db/migration with this database's own migrations. */
    public String migrationFolder() {
        return folder;
    }

    /** Quartz's JDBC job-store delegate for this database. */
    public String quartzDelegate() {
        return quartzDelegate;
    }

    /** An SQL expression giving a new random UUID as text, for ids made in set-based inserts. */
    public String randomUuid() {
        return this == HSQLDB ? "CAST(UUID() AS VARCHAR(36))" : "CAST(gen_random_uuid() AS VARCHAR(36))";
    }

    /** A condition true when {@code column} is none of the values of the one array parameter it binds. */
    public String notInArray(String column) {
        return this == HSQLDB ? column + " NOT IN (UNNEST(?))" : column + " <> ALL (?)";
    }

    /** Whether {@code SELECT … FOR UPDATE SKIP LOCKED} is understood. */
    public boolean skipLocked() {
        return skipLocked;
    }

    /**
     * Whether the stores should keep compiled statements ({@link StatementPins}): HSQLDB forgets them with the last
     * open statement; PostgreSQL's driver keeps them per connection itself.
     */
    public boolean pinStatements() {
        return pinStatements;
    }
}
