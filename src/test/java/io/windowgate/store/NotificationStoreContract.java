package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.notification.TemplateRef;
import io.windowgate.store.DeliveryRecords.StatusOutcome;
import org.junit.jupiter.api.Test;

/** NotificationStore on a real database: idempotent insert, round-trip, forward-only statuses and held claims. */
abstract class NotificationStoreContract extends StoreTestSupport {

    // ---- insert / find / load ----------------------------------------------------------------------------------

    @Test
    void duplicateIdIsRefusedAndTheFirstNotificationIsUnchanged() throws Exception {
        Notification first = sessionText("crm-000123", ALICE);
        assertThat(notifications.insert(first, Status.QUEUED)).isTrue();
        clock.advance(Duration.ofMinutes(3));
        Notification second = new Notification("crm-000123", BOB, "something else", null, Category.MARKETING, null, "csv");

        assertThat(notifications.insert(second, Status.HELD)).isFalse();

        StoredNotification stored = notifications.find("crm-000123");
        assertThat(stored.notification()).isEqualTo(first);
        assertThat(stored.status()).isEqualTo(Status.QUEUED);
        assertThat(stored.createdAt()).isEqualTo(T0);
        assertThat(stored.updatedAt()).isEqualTo(T0);
        assertThat(countRows("notification")).isEqualTo(1);
    }

    @Test
    void allFieldsRoundTripWithPositionalTemplateParams() throws Exception {
        Notification n = new Notification("crm-000124", ALICE, "Your order 123 has shipped \uD83D\uDE9A \"today\"",
                new TemplateRef("order_shipped", "en_US", List.of("123", "Tuesday", "ümlaut, \"quoted\""), Map.of()),
                Category.MARKETING, Instant.parse("2026-12-01T09:00:00.123456Z"), "csv");

        assertThat(notifications.insert(n, Status.SCHEDULED)).isTrue();

        StoredNotification stored = notifications.find("crm-000124");
        assertThat(stored.notification()).isEqualTo(n);
        assertThat(stored.notification().template().positionalParams())
                .containsExactly("123", "Tuesday", "ümlaut, \"quoted\"");
        assertThat(stored.status()).isEqualTo(Status.SCHEDULED);
        assertThat(stored.route()).isNull();
        assertThat(stored.wamid()).isNull();
        assertThat(stored.attempts()).isZero();
        assertThat(stored.errorCode()).isNull();
        assertThat(stored.errorTitle()).isNull();
        assertThat(stored.errorDetails()).isNull();
        assertThat(stored.createdAt()).isEqualTo(T0);
        assertThat(stored.updatedAt()).isEqualTo(T0);
        assertThat(notifications.load("crm-000124")).isEqualTo(n);
    }

    @Test
    void namedTemplateParamsAndNullTextRoundTrip() throws Exception {
        Map<String, String> named = new LinkedHashMap<>();
        named.put("first_name", "Ana");
        named.put("order_number", "A-77");
        Notification n = new Notification("mail-<abc@example.com>", BOB, null,
                new TemplateRef("order_update", "pt_BR", List.of(), named), Category.AUTHENTICATION, null, "mail");

        assertThat(notifications.insert(n, Status.QUEUED)).isTrue();

        Notification loaded = notifications.load("mail-<abc@example.com>");
        assertThat(loaded).isEqualTo(n);
        assertThat(loaded.text()).isNull();
        assertThat(loaded.sendAt()).isNull();
        assertThat(loaded.template().positionalParams()).isEmpty();
        assertThat(loaded.template().namedParams()).containsOnly(Map.entry("first_name", "Ana"),
                Map.entry("order_number", "A-77"));
    }

    @Test
    void templateWithoutParamsAndWithoutCategoryRoundTrips() throws Exception {
        Notification n = new Notification("csv-1", ALICE, null, new TemplateRef("hello_world", "en", List.of(), Map.of()),
                null, null, "csv");
        notifications.insert(n, Status.QUEUED);

        Notification loaded = notifications.load("csv-1");

        assertThat(loaded).isEqualTo(n);
        assertThat(loaded.category()).isNull();
        assertThat(loaded.template().hasParams()).isFalse();
    }

    @Test
    void unknownIdIsNotFound() throws Exception {
        notifications.insert(sessionText("known", ALICE), Status.QUEUED);

        assertThat(notifications.find("unknown")).isNull();
        assertThatThrownBy(() -> notifications.load("unknown")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown");
    }

    // ---- applyStatus --------------------------------------------------------------------------------------------

    @Test
    void statusesMoveForwardOnlyFromSentToDeliveredToRead() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");
        assertThat(notifications.find("n-1").status()).isEqualTo(Status.SENT);

        clock.advance(Duration.ofSeconds(2));
        assertThat(delivery("wamid.1", "n-1", Status.DELIVERED)).isEqualTo(StatusOutcome.APPLIED);
        assertThat(notifications.find("n-1").status()).isEqualTo(Status.DELIVERED);
        assertThat(notifications.find("n-1").updatedAt()).isEqualTo(T0.plusSeconds(2));

        assertThat(delivery("wamid.1", "n-1", Status.READ)).isEqualTo(StatusOutcome.APPLIED);
        assertThat(notifications.find("n-1").status()).isEqualTo(Status.READ);

        clock.advance(Duration.ofSeconds(2));
        assertThat(delivery("wamid.1", "n-1", Status.DELIVERED)).as("late delivered").isEqualTo(StatusOutcome.IGNORED);
        assertThat(delivery("wamid.1", "n-1", Status.SENT)).as("late sent").isEqualTo(StatusOutcome.IGNORED);
        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.READ);
        assertThat(stored.updatedAt()).as("ignored statuses touch nothing").isEqualTo(T0.plusSeconds(2));
    }

    @Test
    void sentAfterDeliveredIsIgnored() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");
        delivery("wamid.1", "n-1", Status.DELIVERED);

        assertThat(delivery("wamid.1", "n-1", Status.SENT)).isEqualTo(StatusOutcome.IGNORED);

        assertThat(notifications.find("n-1").status()).isEqualTo(Status.DELIVERED);
    }

    @Test
    void readMayOvertakeDelivered() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");

        assertThat(delivery("wamid.1", "n-1", Status.READ)).isEqualTo(StatusOutcome.APPLIED);
        assertThat(delivery("wamid.1", "n-1", Status.DELIVERED)).isEqualTo(StatusOutcome.IGNORED);

        assertThat(notifications.find("n-1").status()).isEqualTo(Status.READ);
    }

    @Test
    void failedIsFinalAndStoresCodeTitleAndDetails() throws Exception {
        notifications.insert(templateOnly("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "template", "wamid.1");
        delivery("wamid.1", "n-1", Status.DELIVERED);

        assertThat(records.applyStatus("wamid.1", "n-1", Status.FAILED, 131026, "Message undeliverable",
                "Receiver is incapable of receiving this message", false)).isEqualTo(StatusOutcome.APPLIED);

        for (Status later : List.of(Status.SENT, Status.DELIVERED, Status.READ)) {
            assertThat(delivery("wamid.1", "n-1", later)).as(later.name()).isEqualTo(StatusOutcome.IGNORED);
        }
        assertThat(records.applyStatus("wamid.1", "n-1", Status.FAILED, 131000, "Something went wrong", "again",
                false)).isEqualTo(StatusOutcome.IGNORED);
        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.FAILED);
        assertThat(stored.errorCode()).isEqualTo(131026);
        assertThat(stored.errorTitle()).isEqualTo("Message undeliverable");
        assertThat(stored.errorDetails()).isEqualTo("Receiver is incapable of receiving this message");
    }

    @Test
    void nonDeliveryStatusesAreIgnored() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");

        for (Status status : List.of(Status.QUEUED, Status.HELD, Status.EXPIRED, Status.REJECTED, Status.SCHEDULED)) {
            assertThat(delivery("wamid.1", "n-1", status)).as(status.name()).isEqualTo(StatusOutcome.IGNORED);
        }
        assertThat(notifications.find("n-1").status()).isEqualTo(Status.SENT);
    }

    @Test
    void statusIsMatchedByWamidAndTouchesNoOtherNotification() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        notifications.insert(sessionText("n-2", ALICE), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");
        records.markSent("n-2", "session", "wamid.2");

        assertThat(delivery("wamid.2", null, Status.DELIVERED)).isEqualTo(StatusOutcome.APPLIED);
        assertThat(delivery("wamid.unknown", null, Status.DELIVERED)).isEqualTo(StatusOutcome.IGNORED);

        assertThat(notifications.find("n-1").status()).isEqualTo(Status.SENT);
        assertThat(notifications.find("n-2").status()).isEqualTo(Status.DELIVERED);
    }

    @Test
    void statusOvertakingTheHttpAnswerMatchesByCallbackIdThenMarkSentKeepsIt() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        notifications.insert(sessionText("n-2", ALICE), Status.QUEUED);

        assertThat(delivery("wamid.1", "n-1", Status.DELIVERED)).isEqualTo(StatusOutcome.APPLIED);
        assertThat(notifications.find("n-1").status()).isEqualTo(Status.DELIVERED);
        assertThat(notifications.find("n-1").wamid()).as("learnt from the webhook").isEqualTo("wamid.1");
        assertThat(notifications.find("n-2").status()).isEqualTo(Status.QUEUED);

        records.markSent("n-1", "session", "wamid.1");

        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).as("markSent never moves a status backwards").isEqualTo(Status.DELIVERED);
        assertThat(stored.wamid()).isEqualTo("wamid.1");
        assertThat(stored.route()).isEqualTo("session");
        assertThat(stored.attempts()).isEqualTo(1);
        assertThat(delivery("wamid.1", null, Status.READ)).isEqualTo(StatusOutcome.APPLIED);
        assertThat(notifications.find("n-1").status()).isEqualTo(Status.READ);
    }

    @Test
    void callbackIdNoLongerMatchesOnceAnotherWamidIsStored() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.current");

        assertThat(delivery("wamid.other", "n-1", Status.DELIVERED)).isEqualTo(StatusOutcome.IGNORED);

        assertThat(notifications.find("n-1").status()).isEqualTo(Status.SENT);
    }

    @Test
    void failedStatusOvertakingTheHttpAnswerKeepsItsErrorAfterMarkSent() throws Exception {
        notifications.insert(templateOnly("n-1", ALICE), Status.QUEUED);
        assertThat(records.applyStatus("wamid.1", "n-1", Status.FAILED, 131026, "Message undeliverable",
                "Receiver is incapable of receiving this message", false)).isEqualTo(StatusOutcome.APPLIED);

        records.markSent("n-1", "template", "wamid.1");

        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.FAILED);
        assertThat(stored.wamid()).isEqualTo("wamid.1");
        assertThat(stored.errorCode()).isEqualTo(131026);
        assertThat(stored.errorTitle()).isEqualTo("Message undeliverable");
        assertThat(stored.errorDetails()).isEqualTo("Receiver is incapable of receiving this message");
    }

    @Test
    void windowClosedErrorOnASentSessionMessageAsksForAReroute() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");

        StatusOutcome outcome = records.applyStatus("wamid.1", "n-1", Status.FAILED, 131047,
                "Re-engagement message", "More than 24 hours have passed", true);

        assertThat(outcome).isEqualTo(StatusOutcome.REROUTE);
        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.QUEUED);
        assertThat(stored.errorCode()).isEqualTo(131047);
        assertThat(stored.errorTitle()).isEqualTo("Re-engagement message");
        assertThat(stored.errorDetails()).isEqualTo("More than 24 hours have passed");
    }

    @Test
    void rerouteSucceedingAsTemplateClearsTheWindowClosedError() throws Exception {
        notifications.insert(new Notification("n-1", ALICE, "hi", new TemplateRef("hello", "en", List.of(), Map.of()),
                Category.UTILITY, null, "crm"), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");
        records.applyStatus("wamid.1", "n-1", Status.FAILED, 131047, "Re-engagement message", "closed", true);

        records.markSent("n-1", "template", "wamid.2");

        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.SENT);
        assertThat(stored.route()).isEqualTo("template");
        assertThat(stored.wamid()).isEqualTo("wamid.2");
        assertThat(stored.attempts()).isEqualTo(2);
        assertThat(stored.errorCode()).isNull();
        assertThat(stored.errorTitle()).isNull();
        assertThat(stored.errorDetails()).isNull();
    }

    @Test
    void windowClosedErrorOnATemplateMessageIsJustFailed() throws Exception {
        notifications.insert(templateOnly("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "template", "wamid.1");

        StatusOutcome outcome = records.applyStatus("wamid.1", "n-1", Status.FAILED, 131047,
                "Re-engagement message", "More than 24 hours have passed", true);

        assertThat(outcome).isEqualTo(StatusOutcome.APPLIED);
        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.FAILED);
        assertThat(stored.errorCode()).isEqualTo(131047);
    }

    // ---- the outbox: releaseHeld, releaseDue, claimDue, defer, retryLater, requeueFailed, list ------------------

    private List<String> claimIds(String owner, int limit) throws SQLException {
        return claims.claimDue(owner, clock.instant().plusSeconds(3600), limit).stream()
                .map(c -> c.stored().notification().id()).toList();
    }

    @Test
    void releaseHeldPutsTheRecipientsHeldNotificationsIntoTheOutboxOldestFirst() throws Exception {
        clock.set(T0.plusSeconds(120));
        notifications.insert(sessionText("c-newest", ALICE), Status.HELD);
        clock.set(T0);
        notifications.insert(sessionText("b-oldest", ALICE), Status.HELD);
        clock.set(T0.plusSeconds(60));
        notifications.insert(sessionText("a-middle", ALICE), Status.HELD);
        notifications.insert(sessionText("bobs", BOB), Status.HELD);
        clock.set(T0.plusSeconds(300));

        assertThat(notifications.releaseHeld(ALICE)).isEqualTo(3);

        for (String id : List.of("b-oldest", "a-middle", "c-newest")) {
            assertThat(notifications.find(id).status()).as(id).isEqualTo(Status.QUEUED);
            assertThat(notifications.find(id).updatedAt()).as(id).isEqualTo(T0.plusSeconds(300));
        }
        assertThat(notifications.find("bobs").status()).isEqualTo(Status.HELD);
        assertThat(notifications.releaseHeld(ALICE)).as("second release").isZero();
        assertThat(claimIds("node-a", 10)).containsExactly("b-oldest", "a-middle", "c-newest");
    }

    @Test
    void theSenderIsStoredAndOnlyItsWindowReleasesItsHeldNotifications() throws Exception {
        notifications.insert(new Notification("from-b", ALICE, "Hi from B", null, Category.UTILITY, null, "crm",
                "brand-b"), Status.HELD);
        notifications.insert(sessionText("from-default", ALICE), Status.HELD);

        assertThat(notifications.find("from-b").notification().sender()).isEqualTo("brand-b");
        assertThat(notifications.find("from-default").notification().sender()).isEqualTo("default");

        assertThat(notifications.releaseHeld("brand-b", ALICE)).isEqualTo(1);
        assertThat(notifications.find("from-b").status()).isEqualTo(Status.QUEUED);
        assertThat(notifications.find("from-default").status()).as("held for the default's window").isEqualTo(Status.HELD);
        assertThat(claims.claimDue("node-a", clock.instant().plusSeconds(60), 10).get(0).stored().notification()
                .sender()).as("the outbox reads the sender too").isEqualTo("brand-b");
    }

    @Test
    void releaseDueQueuesScheduledNotificationsWhoseTimeHasComeEarliestFirst() throws Exception {
        notifications.insert(scheduled("later", T0.plusSeconds(60)), Status.SCHEDULED);
        notifications.insert(scheduled("due-second", T0.minusSeconds(10)), Status.SCHEDULED);
        notifications.insert(scheduled("due-first", T0.minusSeconds(3600)), Status.SCHEDULED);
        notifications.insert(scheduled("exactly-now", T0), Status.SCHEDULED);
        clock.set(T0);

        assertThat(notifications.releaseDue()).isEqualTo(3);
        assertThat(notifications.find("due-first").status()).isEqualTo(Status.QUEUED);
        assertThat(notifications.find("later").status()).isEqualTo(Status.SCHEDULED);
        assertThat(notifications.releaseDue()).as("second release").isZero();
        assertThat(claimIds("node-a", 10)).containsExactly("due-first", "due-second", "exactly-now");

        clock.set(T0.plusSeconds(60));
        assertThat(notifications.releaseDue()).isEqualTo(1);
        assertThat(claimIds("node-a", 10)).containsExactly("later");
    }

    @Test
    void claimDueTakesAtMostOneBatchAndLeasesIt() throws Exception {
        clock.set(T0);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMillis(1));
            notifications.insert(sessionText("q-" + i, ALICE), Status.QUEUED);
        }

        assertThat(claimIds("node-a", 2)).containsExactly("q-0", "q-1");
        assertThat(claimIds("node-a", 2)).containsExactly("q-2", "q-3");
        assertThat(claimIds("node-b", 2)).containsExactly("q-4");
        assertThat(claimIds("node-b", 2)).as("everything is leased").isEmpty();
        assertThat(notifications.find("q-0").leaseOwner()).isEqualTo("node-a");
    }

    @Test
    void aClaimThatNeverFinishedIsTakenOverWhenItsLeaseEnds() throws Exception {
        clock.set(T0);
        notifications.insertClaimed(sessionText("in-flight", ALICE), "node-dead", T0.plusSeconds(60));

        assertThat(claimIds("node-b", 10)).as("still leased").isEmpty();
        clock.set(T0.plusSeconds(61));
        List<OutboxClaims.Claim> taken = claims.claimDue("node-b", T0.plusSeconds(121), 10);

        assertThat(taken).hasSize(1);
        assertThat(taken.get(0).interrupted()).as("an earlier claim never finished").isTrue();
        assertThat(notifications.find("in-flight").leaseOwner()).isEqualTo("node-b");
    }

    @Test
    void aChunkIsStoredInOneGoWithItsDuplicatesRecognised() throws Exception {
        clock.set(T0);
        notifications.insert(sessionText("old", ALICE), Status.SENT);
        Notification later = new Notification("later", BOB, "See you tomorrow", null, null, T0.plusSeconds(3600), "csv");

        boolean[] inserted = notifications.insertAll(
                List.of(sessionText("new-1", ALICE), sessionText("old", ALICE), later, sessionText("new-1", BOB)),
                List.of(Status.QUEUED, Status.QUEUED, Status.SCHEDULED, Status.QUEUED), "node-a", T0.plusSeconds(60));

        assertThat(inserted).containsExactly(true, false, true, false);
        StoredNotification claimed = notifications.find("new-1");
        assertThat(claimed.notification().to()).as("the first of the repeated id").isEqualTo(ALICE);
        assertThat(claimed.leaseOwner()).isEqualTo("node-a");
        assertThat(claimed.nextAttemptAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(notifications.find("later").status()).isEqualTo(Status.SCHEDULED);
        assertThat(notifications.find("later").leaseOwner()).isNull();
        assertThat(notifications.insertAll(List.of(sessionText("old", ALICE)), List.of(Status.QUEUED), "node-a",
                T0.plusSeconds(60))).as("nothing new at all").containsExactly(false);
    }

    @Test
    void aChunkWithoutAnOwnerIsLeftToTheOutboxDueNow() throws Exception {
        clock.set(T0);
        Notification later = new Notification("later", BOB, "See you tomorrow", null, null, T0.plusSeconds(3600),
                "crm");

        boolean[] inserted = notifications.insertAll(List.of(sessionText("push-1", ALICE), later,
                sessionText("push-1", BOB)), List.of(Status.QUEUED, Status.SCHEDULED, Status.QUEUED), null, null);

        assertThat(inserted).containsExactly(true, true, false);
        StoredNotification queued = notifications.find("push-1");
        assertThat(queued.leaseOwner()).as("nobody claimed it").isNull();
        assertThat(queued.nextAttemptAt()).as("due now").isEqualTo(T0);
        assertThat(notifications.find("later").nextAttemptAt()).isNull();
        assertThat(claimIds("node-a", 10)).as("the outbox takes it at once").containsExactly("push-1");
    }

    @Test
    void aChunkRacingAnotherWriterFallsBackToRowByRow() throws Exception {
        DataSource racing = RacingDataSource.beforeFirst(database.dataSource(), "INSERT INTO notification",
                () -> notifications.insert(sessionText("raced", BOB), Status.QUEUED));
        NotificationStore store = new NotificationStore(racing, clock);

        boolean[] inserted = store.insertAll(List.of(sessionText("mine", ALICE), sessionText("raced", ALICE)),
                List.of(Status.QUEUED, Status.QUEUED), "node-a", T0.plusSeconds(60));

        assertThat(inserted).containsExactly(true, false);
        assertThat(notifications.find("raced").notification().to()).isEqualTo(BOB);
        assertThat(notifications.find("mine").leaseOwner()).isEqualTo("node-a");
    }

    @Test
    void aSendRecordRolledBackByTheDatabaseForADeadlockIsRunAgainWhole() throws Exception {
        // HSQLDB (MVCC) and PostgreSQL break a deadlock by rolling one transaction back with SQLSTATE 40001/40P01; a
        // status webhook for the same message racing this record is one way in. The record must still land, once.
        notifications.insertClaimed(sessionText("n-1", ALICE), "node-a", T0.plusSeconds(60));
        DataSource deadlocking = RacingDataSource.beforeFirst(database.dataSource(), "INSERT INTO message_cost", () -> {
            throw new java.sql.SQLTransactionRollbackException("transaction rollback: serialization failure", "40001");
        });
        DeliveryRecords store = new DeliveryRecords(deadlocking, clock);

        store.markSent("n-1", "session", "wamid.1", new CostLedgerStore.Estimate("service", "free_customer_service", false));

        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.SENT);
        assertThat(stored.route()).isEqualTo("session");
        assertThat(stored.wamid()).isEqualTo("wamid.1");
        assertThat(stored.attempts()).as("the rolled-back first run left nothing behind").isEqualTo(1);
        assertThat(countRows("message_cost")).isEqualTo(1);
    }

    @Test
    void aStatementThatKeepsLosingDeadlocksFailsWithTheDatabasesError() throws Exception {
        notifications.insertClaimed(sessionText("n-1", ALICE), "node-a", T0.plusSeconds(60));
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        DataSource alwaysDeadlocked = RacingDataSource.everyTime(database.dataSource(), "UPDATE notification", () -> {
            runs.incrementAndGet();
            throw new java.sql.SQLTransactionRollbackException("deadlock detected", "40P01");
        });
        OutboxClaims store = new OutboxClaims(alwaysDeadlocked, database.dialect(), clock);

        assertThatThrownBy(() -> store.renewClaim("n-1", "node-a", T0.plusSeconds(90)))
                .isInstanceOf(java.sql.SQLTransactionRollbackException.class).hasMessageContaining("deadlock");
        assertThat(runs).as("run again a few times, not forever").hasValue(4);
        assertThat(notifications.find("n-1").nextAttemptAt()).isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void aClaimIsRenewedOnlyWhileItIsStillTheOwners() throws Exception {
        clock.set(T0);
        notifications.insertClaimed(sessionText("late-in-batch", ALICE), "node-a", T0.plusSeconds(60));
        notifications.insertClaimed(sessionText("lost", ALICE), "node-a", T0.plusSeconds(60));
        notifications.insertClaimed(sessionText("sent", ALICE), "node-a", T0.plusSeconds(60));
        records.markSent("sent", "session", "wamid.1");

        assertThat(claims.renewClaim("late-in-batch", "node-a", T0.plusSeconds(110))).isTrue();
        clock.set(T0.plusSeconds(61));
        assertThat(claimIds("node-b", 10)).as("the renewed claim is still node-a's").containsExactly("lost");
        assertThat(claims.renewClaim("lost", "node-a", T0.plusSeconds(121))).as("node-b has it now").isFalse();
        assertThat(claims.renewClaim("late-in-batch", "node-b", T0.plusSeconds(121))).isFalse();
        assertThat(claims.renewClaim("sent", "node-a", T0.plusSeconds(121))).as("no longer QUEUED").isFalse();
    }

    @Test
    void aGracefulStopHandsItsUnsentClaimsBackAtOnce() throws Exception {
        clock.set(T0);
        notifications.insertClaimed(sessionText("unsent", ALICE), "node-a", T0.plusSeconds(60));
        notifications.insertClaimed(sessionText("unknown", ALICE), "node-a", T0.plusSeconds(60));
        claims.retryLater("unknown", T0.plusSeconds(600), false, true, null, "timeout", "read timed out");
        notifications.insertClaimed(sessionText("others", BOB), "node-b", T0.plusSeconds(60));

        assertThat(claims.releaseClaims("node-a")).isEqualTo(1);

        assertThat(claimIds("node-c", 10)).as("due at once, not after the lease").containsExactly("unsent");
        assertThat(notifications.find("unknown").nextAttemptAt()).as("still waits for its webhook")
                .isEqualTo(T0.plusSeconds(600));
        assertThat(notifications.find("others").leaseOwner()).isEqualTo("node-b");
    }

    @Test
    void aFinishedSendIsNeverClaimedAgain() throws Exception {
        clock.set(T0);
        notifications.insertClaimed(sessionText("done", ALICE), "node-a", T0.plusSeconds(60));
        records.markSent("done", "session", "wamid.1");
        clock.set(T0.plusSeconds(3600));

        assertThat(claimIds("node-b", 10)).isEmpty();
        assertThat(notifications.find("done").leaseOwner()).isNull();
    }

    @Test
    void concurrentClaimersNeverGetTheSameNotification() throws Exception {
        int queued = 60;
        int claimers = 8;
        for (int i = 0; i < queued; i++) {
            clock.advance(Duration.ofMillis(1));
            notifications.insert(sessionText(String.format("q-%03d", i), ALICE), Status.QUEUED);
        }
        ExecutorService pool = Executors.newFixedThreadPool(claimers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int i = 0; i < claimers; i++) {
                String owner = "node-" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    List<String> mine = new ArrayList<>();
                    List<String> batch;
                    do {
                        batch = claimIds(owner, 5);
                        mine.addAll(batch);
                    } while (!batch.isEmpty());
                    return mine;
                }));
            }
            start.countDown();
            List<String> all = new ArrayList<>();
            for (Future<List<String>> result : results) {
                all.addAll(result.get(20, TimeUnit.SECONDS));
            }

            assertThat(all).doesNotHaveDuplicates().hasSize(queued);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClaimRacingAnotherClaimerGetsOnlyWhatItMoved() throws Exception {
        notifications.insert(sessionText("q-1", ALICE), Status.QUEUED);
        clock.advance(Duration.ofSeconds(1));
        notifications.insert(sessionText("q-2", ALICE), Status.QUEUED);
        List<String> claimedByOther = new ArrayList<>();
        DataSource racing = RacingDataSource.beforeFirst(database.dataSource(), "UPDATE notification SET lease_owner",
                () -> claimedByOther.addAll(claimIds("node-other", 10)));
        OutboxClaims store = new OutboxClaims(racing, database.dialect(), clock);

        List<OutboxClaims.Claim> claimed = store.claimDue("node-a", clock.instant().plusSeconds(60), 10);

        if (database.vendor() == TestDatabase.Vendor.POSTGRESQL) {
            // FOR UPDATE SKIP LOCKED: node-a locked both rows when it read them, so the other node skips them at once
            assertThat(claimedByOther).as("rows locked by another claimer are skipped, not waited for").isEmpty();
            assertThat(claimed).extracting(c -> c.stored().notification().id()).containsExactly("q-1", "q-2");
        } else {
            assertThat(claimedByOther).containsExactly("q-1", "q-2");
            assertThat(claimed).as("everything this call read was claimed by the other node first").isEmpty();
        }
        assertThat(notifications.find("q-1").leaseOwner()).isEqualTo(claimed.isEmpty() ? "node-other" : "node-a");
    }

    @Test
    void deferAndRetryLaterMoveTheNextAttemptAndGiveUpTheLease() throws Exception {
        clock.set(T0);
        notifications.insertClaimed(sessionText("paced", ALICE), "node-a", T0.plusSeconds(60));
        notifications.insertClaimed(sessionText("retry", ALICE), "node-a", T0.plusSeconds(60));

        claims.defer("paced", T0.plusSeconds(6));
        claims.retryLater("retry", T0.plusSeconds(10), true, true, 131000, "Something went wrong", "later");

        StoredNotification paced = notifications.find("paced");
        assertThat(paced.nextAttemptAt()).isEqualTo(T0.plusSeconds(6));
        assertThat(paced.leaseOwner()).isNull();
        assertThat(paced.attempts()).as("no attempt was made").isZero();
        StoredNotification retry = notifications.find("retry");
        assertThat(retry.status()).isEqualTo(Status.QUEUED);
        assertThat(retry.retries()).isEqualTo(1);
        assertThat(retry.attempts()).isEqualTo(1);
        assertThat(retry.errorCode()).isEqualTo(131000);
        assertThat(retry.outcomeUnknownSince()).isEqualTo(T0);

        clock.set(T0.plusSeconds(7));
        assertThat(claimIds("node-b", 10)).containsExactly("paced");
        clock.set(T0.plusSeconds(10));
        assertThat(claimIds("node-b", 10)).containsExactly("retry");
    }

    @Test
    void aStatusWebhookSettlesASendWhoseOutcomeWasUnknown() throws Exception {
        clock.set(T0);
        notifications.insertClaimed(sessionText("unknown", ALICE), "node-a", T0.plusSeconds(60));
        claims.retryLater("unknown", T0.plusSeconds(600), true, true, null, "SocketTimeoutException", "Read timed out");

        assertThat(records.applyStatus("wamid.late", "unknown", Status.DELIVERED, null, null, null, false))
                .isEqualTo(StatusOutcome.APPLIED);

        StoredNotification settled = notifications.find("unknown");
        assertThat(settled.status()).isEqualTo(Status.DELIVERED);
        assertThat(settled.wamid()).as("learnt from the webhook").isEqualTo("wamid.late");
        assertThat(settled.outcomeUnknownSince()).isNull();
        clock.set(T0.plusSeconds(601));
        assertThat(claimIds("node-a", 10)).as("never sent again").isEmpty();
    }

    @Test
    void requeueFailedSendsAgainOnlyFailedNotifications() throws Exception {
        notifications.insert(templateOnly("failed-1", ALICE), Status.QUEUED);
        records.markFailed("failed-1", "template", 131000, "Something went wrong", "gave up");
        notifications.insert(templateOnly("failed-2", ALICE), Status.QUEUED);
        records.markFailed("failed-2", "template", 131026, "Undeliverable", null);
        notifications.insert(templateOnly("sent", ALICE), Status.QUEUED);
        records.markSent("sent", "template", "wamid.s");

        assertThat(notifications.requeueFailed(List.of("failed-1", "sent", "nope"))).containsExactly("failed-1");
        assertThat(notifications.find("failed-1").status()).isEqualTo(Status.QUEUED);
        assertThat(notifications.find("sent").status()).isEqualTo(Status.SENT);
        assertThat(notifications.requeueFailed(131000)).as("failed-1 is no longer FAILED").isZero();
        assertThat(notifications.requeueFailed((Integer) null)).isEqualTo(1);
        assertThat(notifications.find("failed-2").status()).isEqualTo(Status.QUEUED);
    }

    @Test
    void listPagesThroughNotificationsOfAStatusById() throws Exception {
        for (String id : List.of("f-3", "f-1", "f-2")) {
            notifications.insert(templateOnly(id, ALICE), Status.QUEUED);
            records.markFailed(id, "template", id.equals("f-2") ? 131026 : 131000, "x", null);
        }
        notifications.insert(templateOnly("q-1", ALICE), Status.QUEUED);

        assertThat(notifications.list(Status.FAILED, null, null, 2)).extracting(n -> n.notification().id())
                .containsExactly("f-1", "f-2");
        assertThat(notifications.list(Status.FAILED, null, "f-2", 2)).extracting(n -> n.notification().id())
                .containsExactly("f-3");
        assertThat(notifications.list(Status.FAILED, 131026, null, 10)).extracting(n -> n.notification().id())
                .containsExactly("f-2");
    }

    private static Notification scheduled(String id, java.time.Instant sendAt) {
        return new Notification(id, ALICE, "reminder", null, null, sendAt, "csv");
    }

    @Test
    void markNotSendableOnlyMovesQueuedNotifications() throws Exception {
        notifications.insert(sessionText("queued", ALICE), Status.QUEUED);
        notifications.insert(sessionText("queued-2", ALICE), Status.QUEUED);
        notifications.insert(sessionText("sent", ALICE), Status.QUEUED);
        records.markSent("sent", "session", "wamid.sent");
        notifications.insert(sessionText("scheduled", ALICE), Status.SCHEDULED);

        for (String id : List.of("queued", "sent", "scheduled")) {
            records.markNotSendable(id, Status.HELD, "window closed and no template given");
        }
        records.markNotSendable("queued-2", Status.REJECTED, "window.closed-without-template=reject");

        StoredNotification held = notifications.find("queued");
        assertThat(held.status()).isEqualTo(Status.HELD);
        assertThat(held.route()).isNull();
        assertThat(held.errorDetails()).isEqualTo("window closed and no template given");
        assertThat(notifications.find("queued-2").status()).isEqualTo(Status.REJECTED);
        StoredNotification sent = notifications.find("sent");
        assertThat(sent.status()).isEqualTo(Status.SENT);
        assertThat(sent.route()).isEqualTo("session");
        assertThat(sent.errorDetails()).isNull();
        assertThat(notifications.find("scheduled").status()).isEqualTo(Status.SCHEDULED);
    }

    @Test
    void markFailedRecordsCodeTitleAndDetails() throws Exception {
        notifications.insert(templateOnly("n-1", ALICE), Status.QUEUED);
        clock.advance(Duration.ofSeconds(5));

        records.markFailed("n-1", "template", 132001, "Template name does not exist in the translation",
                "template order_shipped not found in en_US");

        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.FAILED);
        assertThat(stored.route()).isEqualTo("template");
        assertThat(stored.attempts()).isEqualTo(1);
        assertThat(stored.errorCode()).isEqualTo(132001);
        assertThat(stored.errorTitle()).isEqualTo("Template name does not exist in the translation");
        assertThat(stored.errorDetails()).isEqualTo("template order_shipped not found in en_US");
        assertThat(stored.updatedAt()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    void markFailedWithoutCodeTruncatesLongTextsToTheColumns() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);

        records.markFailed("n-1", "session", null, "t".repeat(500), "d".repeat(5_000));

        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.FAILED);
        assertThat(stored.errorCode()).isNull();
        assertThat(stored.errorTitle()).hasSize(200);
        assertThat(stored.errorDetails()).hasSize(1_000);
    }

    @Test
    void markFailedLeavesANotificationThatIsNoLongerQueuedAlone() throws Exception {
        notifications.insert(sessionText("n-1", ALICE), Status.QUEUED);
        records.markSent("n-1", "session", "wamid.1");
        delivery("wamid.1", "n-1", Status.DELIVERED);

        records.markFailed("n-1", "session", 131000, "Something went wrong", "late failure");

        StoredNotification stored = notifications.find("n-1");
        assertThat(stored.status()).isEqualTo(Status.DELIVERED);
        assertThat(stored.errorCode()).isNull();
        assertThat(stored.attempts()).isEqualTo(1);
    }

    private StatusOutcome delivery(String wamid, String callbackId, Status status) throws Exception {
        return records.applyStatus(wamid, callbackId, status, null, null, null, false);
    }
}
