package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.windowgate.notification.Category;
import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.store.CallbackEventStore.Event;
import io.windowgate.store.CallbackEventStore.NewEvent;
import io.windowgate.store.CallbackEventStore.State;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The callback events on a real database: every status change written with it by the database, only the first pending
 * event of a stream claimed, 410 stopping a stream, failed events sent again, cancel against a claim, window events.
 */
abstract class CallbackEventStoreContract extends StoreTestSupport {

    private static final Instant LEASE = T0.plusSeconds(60);
    private CallbackEventStore events;

    @BeforeEach
    void openEvents() throws Exception {
        events = new CallbackEventStore(database.dataSource(), database.dialect(), clock);
    }

    private List<String> statuses(String id) throws Exception {
        return events.stream("n:" + id).stream().map(e -> e.previousStatus() + ">" + e.status()).toList();
    }

    @Test
    void everyStatusChangeIsAnEventInOrderWhileCallbacksUrlIsSet() throws Exception {
        events.eventsForEveryNotification(true);
        notifications.insert(sessionText("n1", ALICE), Status.QUEUED);
        notifications.insert(new Notification("n2", BOB, "later", null, Category.UTILITY, T0.plusSeconds(60), "crm"),
                Status.SCHEDULED);
        claims.claimDue("node-a", LEASE, 10);
        records.markSent("n1", "session", "wamid.1");
        records.applyStatus("wamid.1", "n1", Status.DELIVERED, null, null, null, false);
        records.applyStatus("wamid.1", "n1", Status.DELIVERED, null, null, null, false);
        records.applyStatus("wamid.1", "n1", Status.FAILED, 131026, "Undeliverable", "unreachable", false);
        clock.advance(Duration.ofMinutes(2));
        notifications.releaseDue();

        assertThat(statuses("n1")).containsExactly("null>QUEUED", "QUEUED>SENT", "SENT>DELIVERED", "DELIVERED>FAILED");
        assertThat(statuses("n2")).containsExactly("null>SCHEDULED", "SCHEDULED>QUEUED");
        Event failed = events.stream("n:n1").get(3);
        assertThat(failed.errorCode()).isEqualTo(131026);
        assertThat(failed.errorDetails()).isEqualTo("unreachable");
        assertThat(failed.wamid()).isEqualTo("wamid.1");
        assertThat(failed.route()).isEqualTo("session");
        assertThat(failed.source()).isEqualTo("crm");
        assertThat(events.stream("n:n2").get(1).occurredAt()).isEqualTo(T0.plusSeconds(120));
        assertThat(events.stream("n:n1").stream().map(Event::eventId).distinct()).hasSize(4);
    }

    @Test
    void withoutCallbacksUrlOnlyNotificationsWithTheirOwnReceiverGetEvents() throws Exception {
        notifications.insert(sessionText("plain", ALICE), Status.QUEUED);
        notifications.insert(new Notification("own", BOB, "hi", null, Category.UTILITY, null, "crm", null,
                "https://crm.example/hook", null), Status.QUEUED);
        notifications.insertAll(List.of(new Notification("bulk", BOB, "hi", null, Category.UTILITY, null, "csv",
                null, "https://crm.example/csv", null)), List.of(Status.QUEUED), "node-a", LEASE);

        assertThat(events.stream("n:plain")).isEmpty();
        assertThat(events.stream("n:own")).singleElement()
                .satisfies(e -> assertThat(e.url()).isEqualTo("https://crm.example/hook"));
        assertThat(events.stream("n:bulk")).singleElement()
                .satisfies(e -> assertThat(e.url()).isEqualTo("https://crm.example/csv"));
        assertThat(notifications.find("own").notification().callbackUrl()).isEqualTo("https://crm.example/hook");
    }

    @Test
    void aStatusChangeRolledBackLeavesNoEvent() throws Exception {
        events.eventsForEveryNotification(true);
        notifications.insert(sessionText("n1", ALICE), Status.QUEUED);
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("UPDATE notification SET status = 'SENT' WHERE id = 'n1'")) {
                s.executeUpdate();
            }
            c.rollback();
            c.setAutoCommit(true);
        }
        assertThat(statuses("n1")).containsExactly("null>QUEUED");
    }

    @Test
    void onlyTheFirstPendingEventOfAStreamIsClaimedAndALaterOneWaitsForItsRetry() throws Exception {
        events.eventsForEveryNotification(true);
        notifications.insert(sessionText("n1", ALICE), Status.QUEUED);
        notifications.insert(sessionText("n2", BOB), Status.QUEUED);
        claims.claimDue("node-a", LEASE, 10);
        records.markSent("n1", "session", "wamid.1");

        List<Event> first = events.claimDue("cb-a", LEASE, 10);
        assertThat(first).extracting(Event::notificationId, Event::status)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("n1", "QUEUED"),
                        org.assertj.core.groups.Tuple.tuple("n2", "QUEUED"));
        assertThat(events.claimDue("cb-b", LEASE, 10)).as("claimed, or behind a claimed one").isEmpty();

        events.retryLater(first.get(0).id(), T0.plusSeconds(30), "HTTP 500");
        events.markSent(List.of(first.get(1)));
        assertThat(events.claimDue("cb-b", LEASE, 10)).as("n1's SENT waits behind its QUEUED's retry").isEmpty();

        clock.advance(Duration.ofSeconds(30));
        Event retried = events.claimDue("cb-b", T0.plusSeconds(90), 10).get(0);
        assertThat(retried.status()).isEqualTo("QUEUED");
        assertThat(events.claimDue("cb-b", T0.plusSeconds(90), 10, List.of(retried))).singleElement()
                .satisfies(e -> assertThat(e.status()).isEqualTo("SENT"));
        assertThat(events.stream("n:n1").get(0).attempts()).isEqualTo(2);
    }

    @Test
    void aDeliveredEventMovesWholeToTheSentTableAndOneStoppedMeanwhileStays() throws Exception {
        events.eventsForEveryNotification(true);
        notifications.insert(sessionText("n1", ALICE), Status.QUEUED);
        notifications.insert(new Notification("n2", BOB, "hi", null, Category.UTILITY, null, "crm", null,
                "https://crm.example/hook", null), Status.QUEUED);
        java.util.Map<String, Event> claimed = byNotification(events.claimDue("cb-a", LEASE, 10));
        events.retryLater(claimed.get("n1").id(), T0, "HTTP 500");
        clock.advance(Duration.ofSeconds(5));
        Event n1 = events.claimDue("cb-a", LEASE, 10).get(0);
        // n2's receiver answered 410 to another attempt meanwhile: the stop holds, the late 2xx does not undo it
        events.markGone(claimed.get("n2"), "HTTP 410");

        events.markSent(List.of(n1, claimed.get("n2")));

        assertThat(countRows("callback_event")).as("only the stopped one is left").isEqualTo(1);
        assertThat(countRows("callback_sent")).isEqualTo(1);
        assertThat(events.list(State.SENT, 0, 10)).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(n1.id());
            assertThat(e.eventId()).isEqualTo(n1.eventId());
            assertThat(e.streamKey()).isEqualTo("n:n1");
            assertThat(e.status()).isEqualTo("QUEUED");
            assertThat(e.occurredAt()).isEqualTo(n1.occurredAt());
            assertThat(e.retrySince()).isEqualTo(n1.retrySince());
            assertThat(e.attempts()).as("the failed attempt and the delivered one").isEqualTo(2);
        });
        assertThat(events.list(State.GONE, 0, 10)).extracting(Event::notificationId).containsExactly("n2");
        assertThat(events.list(State.PENDING, 0, 10)).isEmpty();

        events.markSent(List.of(n1));
        assertThat(countRows("callback_sent")).as("a second 2xx for it moves nothing").isEqualTo(1);
        assertThat(statuses("n1")).as("a stream reads both tables").containsExactly("null>QUEUED");
    }

    @Test
    void aClaimThatEndedIsTakenOverAndTwoClaimersNeverShareAnEvent() throws Exception {
        events.eventsForEveryNotification(true);
        for (int i = 0; i < 20; i++) {
            notifications.insert(sessionText("n" + i, ALICE), Status.QUEUED);
        }
        List<Event> a = events.claimDue("cb-a", T0.plusSeconds(10), 12);
        List<Event> b = events.claimDue("cb-b", T0.plusSeconds(10), 12);
        assertThat(a).hasSize(12);
        assertThat(b).hasSize(8);
        assertThat(a).extracting(Event::id).doesNotContainAnyElementsOf(b.stream().map(Event::id).toList());

        assertThat(events.releaseClaims("cb-b")).isEqualTo(8);
        assertThat(events.claimDue("cb-c", T0.plusSeconds(10), 50)).as("b's, handed back on its stop").hasSize(8);
        clock.advance(Duration.ofSeconds(11));
        assertThat(events.claimDue("cb-d", T0.plusSeconds(60), 50)).hasSize(20);
    }

    @Test
    void withoutLeasesClaimsAreHeldInMemoryAndAfterACrashEveryUnsettledOneIsDueAtOnce() throws Exception {
        CallbackEventStore alone = new CallbackEventStore(database.dataSource(), database.dialect(), clock, false);
        alone.eventsForEveryNotification(true);
        for (int i = 0; i < 5; i++) {
            notifications.insert(sessionText("m" + i, ALICE), Status.QUEUED);
        }
        List<Event> first = alone.claimDue("node", LEASE, 3);
        List<Event> second = alone.claimDue("node", LEASE, 10);
        assertThat(first).hasSize(3);
        assertThat(second).as("the held ones are passed over").hasSize(2).extracting(Event::id)
                .doesNotContainAnyElementsOf(first.stream().map(Event::id).toList());
        assertThat(alone.claimDue("node", LEASE, 10)).isEmpty();

        alone.retryLater(first.get(0).id(), T0.plusSeconds(30), "HTTP 500");
        assertThat(alone.claimDue("node", LEASE, 10, List.of(first.get(1)))).as("retried later, sent").isEmpty();
        clock.advance(Duration.ofSeconds(30));
        assertThat(alone.claimDue("node", LEASE, 10)).extracting(Event::id).containsExactly(first.get(0).id());

        // nothing was written to the rows but the outcomes: a new store over the database (the node restarted after a
        // crash) finds every claimed and unsettled event due at once, not at the end of a lease
        CallbackEventStore restarted = new CallbackEventStore(database.dataSource(), database.dialect(), clock, false);
        assertThat(restarted.claimDue("node", LEASE, 10)).extracting(Event::id).containsExactlyInAnyOrder(
                first.get(0).id(), first.get(2).id(), second.get(0).id(), second.get(1).id());
    }

    @Test
    void gone410StopsTheStreamForThatReceiverOnly() throws Exception {
        notifications.insert(new Notification("n1", ALICE, "hi", null, Category.UTILITY, null, "crm", null,
                "https://crm.example/hook", null), Status.QUEUED);
        claims.claimDue("node-a", LEASE, 10);
        records.markSent("n1", "session", "wamid.1");
        Event queued = events.claimDue("cb-a", LEASE, 10).get(0);

        assertThat(events.markGone(queued, "410")).isEqualTo(2);
        records.applyStatus("wamid.1", "n1", Status.DELIVERED, null, null, null, false);
        Event delivered = events.claimDue("cb-a", LEASE, 10).get(0);

        assertThat(delivered.status()).isEqualTo("DELIVERED");
        assertThat(delivered.gone()).isTrue();
        assertThat(events.stream("n:n1")).extracting(Event::state)
                .containsExactly(State.GONE, State.GONE, State.PENDING);
    }

    @Test
    void failedEventsAreListedAndSentAgainWithAFreshMaxAge() throws Exception {
        events.eventsForEveryNotification(true);
        notifications.insert(sessionText("n1", ALICE), Status.QUEUED);
        notifications.insert(sessionText("n2", BOB), Status.QUEUED);
        List<Event> claimed = events.claimDue("cb-a", LEASE, 10);
        events.markFailed(claimed.get(0).id(), true, "given up");
        events.markFailed(claimed.get(1).id(), true, "given up");

        List<Event> failed = events.list(State.FAILED, 0, 10).stream()
                .sorted(java.util.Comparator.comparing(Event::notificationId)).toList();
        assertThat(failed).extracting(Event::notificationId).containsExactly("n1", "n2");
        assertThat(failed.get(0).lastError()).isEqualTo("given up");
        assertThat(events.list(State.FAILED, 0, 1)).hasSize(1);

        clock.advance(Duration.ofDays(4));
        assertThat(events.retryFailed(List.of(failed.get(1).eventId(), "unknown"))).isEqualTo(1);
        Event again = events.claimDue("cb-a", T0.plus(Duration.ofDays(5)), 10).get(0);
        assertThat(again.notificationId()).isEqualTo("n2");
        assertThat(again.retrySince()).isEqualTo(T0.plus(Duration.ofDays(4)));
        assertThat(events.retryFailed(List.of())).isEqualTo(1);
        assertThat(events.list(State.FAILED, 0, 10)).isEmpty();
    }

    @Test
    void aCancelWinsOnlyBeforeTheClaimAndAClaimOnlyBeforeTheCancel() throws Exception {
        events.eventsForEveryNotification(true);
        notifications.insert(sessionText("early", ALICE), Status.QUEUED);
        notifications.insert(sessionText("claimed", BOB), Status.QUEUED);
        notifications.insert(new Notification("later", BOB, "x", null, Category.UTILITY, T0.plusSeconds(600), "crm"),
                Status.SCHEDULED);

        assertThat(notifications.cancel("early")).isEqualTo(new NotificationStore.Cancel(true, Status.CANCELLED));
        List<OutboxClaims.Claim> claimedNow = claims.claimDue("node-a", LEASE, 10);
        assertThat(claimedNow).extracting(c -> c.stored().notification().id()).containsExactly("claimed");
        assertThat(notifications.cancel("claimed")).isEqualTo(new NotificationStore.Cancel(false, Status.QUEUED));
        assertThat(claims.renewClaim("early", "node-a", LEASE)).isFalse();
        assertThat(notifications.cancel("later").cancelled()).isTrue();
        assertThat(notifications.cancel("early")).isEqualTo(new NotificationStore.Cancel(false, Status.CANCELLED));
        assertThat(notifications.cancel("nope")).isEqualTo(new NotificationStore.Cancel(false, null));
        clock.advance(Duration.ofMinutes(20));
        notifications.releaseDue();

        assertThat(notifications.find("later").status()).isEqualTo(Status.CANCELLED);
        assertThat(statuses("early")).containsExactly("null>QUEUED", "QUEUED>CANCELLED");
        assertThat(statuses("later")).containsExactly("null>SCHEDULED", "SCHEDULED>CANCELLED");

        clock.advance(Duration.ofMinutes(2));
        assertThat(notifications.cancel("claimed").cancelled()).as("its claim ended: nobody is sending it").isTrue();
    }

    @Test
    void windowsAreAnnouncedOpenedOnceThenClosingAndClosedBySweep() throws Exception {
        Instant closes = T0.plus(Duration.ofHours(23).plusMinutes(55));
        assertThat(events.windowOpened("default", ALICE, closes, opened("o1", ALICE, closes))).isTrue();
        assertThat(events.windowOpened("default", ALICE, closes.plusSeconds(60), opened("o2", ALICE,
                closes.plusSeconds(60)))).as("already open: extended, not opened").isFalse();
        assertThat(events.windowOpened("default", BOB, T0.plusSeconds(7200), opened("o3", BOB,
                T0.plusSeconds(7200)))).isTrue();

        assertThat(events.sweepWindows(Duration.ofHours(1))).isEqualTo(new CallbackEventStore.WindowSweep(0, 0));
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        assertThat(events.sweepWindows(Duration.ofHours(1))).as("BOB's closes within the lead")
                .isEqualTo(new CallbackEventStore.WindowSweep(1, 0));
        assertThat(events.sweepWindows(Duration.ofHours(1))).isEqualTo(new CallbackEventStore.WindowSweep(0, 0));
        clock.advance(Duration.ofHours(1));
        assertThat(events.sweepWindows(Duration.ofHours(1))).isEqualTo(new CallbackEventStore.WindowSweep(0, 1));
        clock.advance(Duration.ofHours(23));
        assertThat(events.sweepWindows(null)).isEqualTo(new CallbackEventStore.WindowSweep(0, 1));

        assertThat(events.stream("w:default:" + BOB)).extracting(Event::type)
                .containsExactly("window.opened", "window.closing", "window.closed");
        assertThat(events.stream("w:default:" + ALICE)).extracting(Event::type, Event::closesAt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("window.opened", closes),
                        org.assertj.core.groups.Tuple.tuple("window.closed", closes.plusSeconds(60)));
        assertThat(events.windowOpened("default", BOB, clock.instant().plusSeconds(60), opened("o4", BOB,
                clock.instant().plusSeconds(60)))).as("closed, then the customer wrote again").isTrue();
        assertThat(countRows("callback_window")).isEqualTo(1);
    }

    @Test
    void anEventStoredTwiceUnderOneEventIdIsKeptOnce() throws Exception {
        NewEvent inbound = new NewEvent("e-1", "message.inbound", "m:default:" + ALICE, null, null, null, null, null,
                ALICE, "default", null, "{\"text\":\"hi\"}", T0);
        assertThat(events.insert(inbound)).isTrue();
        assertThat(events.insert(inbound)).isFalse();
        assertThat(events.stream("m:default:" + ALICE)).singleElement()
                .satisfies(e -> assertThat(e.payload()).isEqualTo("{\"text\":\"hi\"}"));
    }

    @Test
    void deliveredEventsOlderThanTheRetentionArePrunedInBoundedChunksAndFailedAndPendingOnesStay() throws Exception {
        events.eventsForEveryNotification(true);
        for (int i = 0; i < 5; i++) {
            notifications.insert(sessionText("old" + i, ALICE), Status.QUEUED);
        }
        java.util.Map<String, Event> old = byNotification(events.claimDue("cb-a", LEASE, 10));
        events.markSent(List.of(old.get("old0"), old.get("old1"), old.get("old2")));
        events.markGone(old.get("old3"), "410");
        events.markFailed(old.get("old4").id(), true, "given up");
        clock.advance(Duration.ofDays(2));
        notifications.insert(sessionText("young0", BOB), Status.QUEUED);
        notifications.insert(sessionText("young1", BOB), Status.QUEUED);
        java.util.Map<String, Event> young = byNotification(events.claimDue("cb-a", T0.plus(Duration.ofDays(3)), 10));
        events.markSent(List.of(young.get("young0")));
        clock.advance(Duration.ofDays(5).plusSeconds(1));
        Instant weekAgo = clock.instant().minus(Duration.ofDays(7));

        assertThat(events.pruneDelivered(weekAgo, 2, 1)).as("one chunk of two ids").isEqualTo(2);
        assertThat(events.pruneDelivered(weekAgo, 2, 10)).as("the rest of the week-old delivered ones").isEqualTo(2);
        assertThat(events.pruneDelivered(weekAgo, 2, 10)).isZero();
        assertThat(notificationsWithEvents()).containsExactly("old4", "young0", "young1");
        assertThat(events.list(State.FAILED, 0, 10)).extracting(Event::notificationId).containsExactly("old4");

        clock.advance(Duration.ofDays(30));
        io.windowgate.callback.Callbacks callbacks = new io.windowgate.callback.Callbacks(events,
                new io.windowgate.callback.CallbackUrls(true), io.windowgate.notification.BusinessNumbers.defaultOnly(),
                true, false, Duration.ofHours(24), null, Duration.ofDays(7), clock);
        assertThat(callbacks.pruneDelivered()).as("by the sweep, with callbacks.retention").isEqualTo(1);
        assertThat(notificationsWithEvents()).as("failed and still pending events are never pruned")
                .containsExactly("old4", "young1");
    }

    private static java.util.Map<String, Event> byNotification(List<Event> claimed) {
        java.util.Map<String, Event> map = new java.util.HashMap<>();
        claimed.forEach(e -> map.put(e.notificationId(), e));
        return map;
    }

    private List<String> notificationsWithEvents() throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        for (State state : State.values()) {
            events.list(state, 0, 100).forEach(e -> ids.add(e.notificationId()));
        }
        return ids.stream().sorted().toList();
    }

    @Test
    void aWindowTheProviderClosesEarlyIsAnnouncedOnceInItsTransactionAndOnlyIfAnnouncedOpen() throws Exception {
        events.eventsForEveryNotification(true);
        SessionWindowStore windows = new SessionWindowStore(database.dataSource(), clock);
        Instant wrote = T0.minus(Duration.ofHours(1));
        windows.recordInbound(ALICE, wrote, "wamid.in.1");
        windows.recordInbound(BOB, wrote, "wamid.in.2");
        Instant closes = wrote.plus(Duration.ofHours(23).plusMinutes(55));
        events.windowOpened("default", ALICE, closes, opened("o1", ALICE, closes));

        assertThat(windows.closeByProvider(ALICE, T0)).isTrue();
        assertThat(windows.closeByProvider(ALICE, T0)).as("already closed").isFalse();
        assertThat(windows.closeByProvider(BOB, T0)).as("closed, but never announced open").isTrue();
        assertThat(events.stream("w:default:" + ALICE)).extracting(Event::type, Event::closesAt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("window.opened", closes),
                        org.assertj.core.groups.Tuple.tuple("window.closed", T0));
        assertThat(events.stream("w:default:" + BOB)).isEmpty();
        assertThat(countRows("callback_window")).isZero();
        clock.advance(Duration.ofDays(1));
        assertThat(events.sweepWindows(Duration.ofHours(1))).as("nothing left for the sweep to announce")
                .isEqualTo(new CallbackEventStore.WindowSweep(0, 0));
    }

    private NewEvent opened(String eventId, String to, Instant closesAt) {
        return new NewEvent(eventId, "window.opened", "w:default:" + to, null, null, null, null, null, to, "default",
                closesAt, null, clock.instant());
    }
}
