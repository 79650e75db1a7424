package io.windowgate.store;

import org.junit.jupiter.api.Nested;

/** Runs every store contract against a fresh in-memory HSQLDB (MVCC) per test, the default deployment database. */
class HsqldbStoreTest {

    /** Migrations on HSQLDB. */
    @Nested
    class Migrations extends MigrationContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** NotificationStore on HSQLDB. */
    @Nested
    class Notifications extends NotificationStoreContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** SessionWindowStore on HSQLDB. */
    @Nested
    class Windows extends SessionWindowStoreContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** ContactStore (customer identity). */
    @Nested
    class Contacts extends ContactStoreContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** ExpirySweep on HSQLDB. */
    @Nested
    class Sweep extends ExpirySweepContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** SourceStore and DropFileStore on HSQLDB. */
    @Nested
    class Sources extends SourceStoresContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** MetricsStore on HSQLDB. */
    @Nested
    class Metrics extends MetricsStoreContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    @Nested
    class Policy extends PolicyStoresContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** ClusterLockStore (one node per file or mail). */
    @Nested
    class Locks extends ClusterLockContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** CallbackEventStore (the events for the source systems) and cancel. */
    @Nested
    class Callbacks extends CallbackEventStoreContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }

    /** WebhookInboxStore (stored webhooks, applied in batches). */
    @Nested
    class WebhookInbox extends WebhookInboxStoreContract {
        @Override
        protected TestDatabase openDatabase() {
            return TestDatabase.hsqldb();
        }
    }
}
