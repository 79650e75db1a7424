package io.windowgate;

import java.sql.SQLException;
import java.time.Clock;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.windowgate.store.ClusterLockStore;
import io.windowgate.store.ConsentStore;
import io.windowgate.store.DatabaseUrl;
import io.windowgate.store.ContactStore;
import io.windowgate.store.CostLedgerStore;
import io.windowgate.store.DeliveryRecords;
import io.windowgate.store.Dialect;
import io.windowgate.store.DropFileStore;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.OutboxClaims;
import io.windowgate.store.SendingStateStore;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.store.SourceStore;
import io.windowgate.store.StatementPins;
import io.windowgate.store.TemplateStore;
import io.windowgate.store.WebhookInboxStore;
import org.apache.camel.CamelContext;
import org.flywaydb.core.Flyway;

/**
 * The database and every store on it: the pooled DataSource (db.*), the schema brought up to date by Flyway, and one
 * instance of each store, bound under the names the routes use.
 */
final class Stores {

    final HikariDataSource pool;
    final Dialect dialect;
    /** The database is embedded in this process: this node is its only user. */
    final boolean embedded;
    /** What the stores use: on HSQLDB the pool wrapped to keep its compiled statements. */
    final DataSource dataSource;
    final NotificationStore notifications;
    final OutboxClaims claims;
    final DeliveryRecords records;
    final SessionWindowStore windows;
    final TemplateStore templates;
    final ConsentStore consents;
    final CostLedgerStore costs;
    final SendingStateStore sendingState;
    final ClusterLockStore locks;
    final DropFileStore dropFiles;
    final SourceStore sources;
    final ContactStore contacts;
    final WebhookInboxStore webhookInbox;

    Stores(CamelContext context, Settings settings, Clock clock) throws SQLException {
        DatabaseUrl url = DatabaseUrl.parse(settings.get("db.url"));
        dialect = url.dialect();
        embedded = url.embedded();
        pool = pool(settings);
        url.makeDurable(pool);
        migrate(pool, dialect);
        dataSource = dialect.pinStatements() ? new StatementPins(pool) : pool;
        notifications = new NotificationStore(dataSource, clock);
        claims = new OutboxClaims(dataSource, dialect, clock);
        records = new DeliveryRecords(dataSource, clock);
        windows = new SessionWindowStore(dataSource, clock);
        templates = new TemplateStore(dataSource, clock);
        consents = new ConsentStore(dataSource, clock);
        costs = new CostLedgerStore(dataSource, clock);
        sendingState = new SendingStateStore(dataSource, clock);
        locks = new ClusterLockStore(dataSource, clock);
        dropFiles = new DropFileStore(dataSource, clock);
        sources = new SourceStore(dataSource, clock);
        contacts = new ContactStore(dataSource, clock);
        webhookInbox = new WebhookInboxStore(dataSource, dialect, clock, records);
        var registry = context.getRegistry();
        registry.bind("dataSource", dataSource);
        registry.bind("notificationStore", notifications);
        registry.bind("sessionWindowStore", windows);
        registry.bind("templateStore", templates);
        registry.bind("consentStore", consents);
        registry.bind("contactStore", contacts);
        registry.bind("dropFileStore", dropFiles);
        registry.bind("sourceStore", sources);
    }

    private static HikariDataSource pool(Settings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("windowgate-db");
        config.setJdbcUrl(settings.get("db.url"));
        config.setUsername(settings.get("db.username"));
        config.setPassword(settings.get("db.password"));
        config.setMaximumPoolSize(settings.getInt("db.pool-size"));
        // how long a caller waits for a connection: while the database is down that is the wait before every CRM push,
        // webhook or API call is answered 503, so it is short (Hikari's 30 s outlasts a CRM's client timeout); a busy
        // pool hands its connections on within milliseconds, as none is held across a provider call
        long timeout = settings.getDuration("db.connection-timeout").toMillis();
        if (timeout < 250) {
            throw new IllegalStateException("db.connection-timeout must be at least PT0.25S (HikariCP's least), was "
                    + settings.get("db.connection-timeout"));
        }
        config.setConnectionTimeout(timeout);
        // checking an idle connection before handing it out fits in the same wait (Hikari's default is 5 s)
        config.setValidationTimeout(Math.min(timeout, config.getValidationTimeout()));
        return new HikariDataSource(config);
    }

    /** The common migrations, then the database's own (Quartz's tables differ per database). */
    private static void migrate(DataSource dataSource, Dialect dialect) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/common", "classpath:db/migration/" + dialect.migrationFolder())
                .failOnMissingLocations(false)
                .load()
                .migrate();
    }
}
