package io.windowgate.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** Runs every store contract against one embedded PostgreSQL 14, started once, with a fresh schema per test. */
class PostgresqlStoreTest {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** Migrations on PostgreSQL. */
    @Nested
    class Migrations extends MigrationContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** NotificationStore on PostgreSQL. */
    @Nested
    class Notifications extends NotificationStoreContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** SessionWindowStore on PostgreSQL. */
    @Nested
    class Windows extends SessionWindowStoreContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** ContactStore (customer identity). */
    @Nested
    class Contacts extends ContactStoreContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** ExpirySweep on PostgreSQL. */
    @Nested
    class Sweep extends ExpirySweepContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** SourceStore and DropFileStore on PostgreSQL. */
    @Nested
    class Sources extends SourceStoresContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** MetricsStore on PostgreSQL. */
    @Nested
    class Metrics extends MetricsStoreContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    @Nested
    class Policy extends PolicyStoresContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** ClusterLockStore (one node per file or mail). */
    @Nested
    class Locks extends ClusterLockContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** CallbackEventStore (the events for the source systems) and cancel. */
    @Nested
    class Callbacks extends CallbackEventStoreContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }

    /** WebhookInboxStore (stored webhooks, applied in batches). */
    @Nested
    class WebhookInbox extends WebhookInboxStoreContract {
        @Override
        protected TestDatabase openDatabase() throws Exception {
            return TestDatabase.postgresql(postgres);
        }
    }
}
