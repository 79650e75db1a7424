package io.windowgate.callback;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.windowgate.store.CallbackEventStore;
import io.windowgate.store.CallbackEventStore.Event;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.EofSensorInputStream;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.Closer;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the stored events to their receivers (route callback-delivery): claims due events like the notification
 * outbox does (a lease per node, so several nodes send each event once), and POSTs each, signed, on its own bounded
 * thread pool, never the WhatsApp senders'. A 2xx answer settles the event; anything else (an error status, 3xx, a
 * timeout, a refused connection) is retried with exponential back-off and jitter, honouring Retry-After, until
 * callbacks.max-age has passed, then the event is FAILED (listed and re-sendable by the callbacks API). 410 Gone stops
 * that receiver's events for that notification. At most callbacks.per-host-concurrency requests go to one host at a
 * time, so a slow or dead receiver holds only that many threads and the other receivers' events go on.
 *
 * <p>Apache HttpClient (the one camel-http uses for WhatsApp, so its code is already compiled hot) directly rather than
 * through a Camel endpoint: each event has its own URL (a notification may name its receiver), which through Camel
 * would create and cache an endpoint per URL. It is the blocking client, on the sender's own thread: the JDK's
 * HttpClient handed every request and answer between its selector and worker threads, which cost more CPU than the
 * request itself at thousands of events a second. Connections are pooled per receiver host (at most
 * callbacks.per-host-concurrency each), checked after a pause and evicted when idle. Only a receiver's status and
 * headers count; its body is read to its end and discarded, so that the connection is kept, unless it is longer than
 * {@link #DRAIN_LIMIT} or slower than callbacks.timeout: then the connection ends instead (a receiver may answer
 * anything, 10 MB included).
 */
public final class CallbackDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(CallbackDelivery.class);
    /** How soon an event whose host had no free slot is tried again. */
    private static final Duration HOST_BUSY_WAIT = Duration.ofMillis(200);
    /** How long a poll waits for half of the senders to come free while a backlog lasts. */
    private static final Duration BATCH_WAIT = Duration.ofMillis(500);
    /** The longest one tick of callback-delivery claims for; the next tick goes on. */
    private static final Duration TICK_LIMIT = Duration.ofSeconds(5);
    private static final String USER_AGENT = "Windowgate-Callbacks/1";
    /** The most of an answer's body read (and discarded) to keep its connection; a longer one closes it. */
    static final int DRAIN_LIMIT = 64 * 1024;
    /**
     * With one event per POST, the events a sender takes for one receiver at a time and POSTs one after the other:
     * claims then take many events at once instead of one per free sender (each claim reads past the events in flight
     * and those waiting behind an earlier event of their notification, so a claim per event cost more than the event).
     */
    static final int RUN = 16;
    private static final ContentType JSON = ContentType.create("application/json");

    /** The receivers and the rules of retrying. */
    public record Settings(String defaultUrl, String inboundUrl, Duration timeout, Duration initialDelay,
            Duration maxDelay, Duration maxAge, int concurrency, int perHost, int batchSize) {
    }

    private final CallbackEventStore store;
    private final CallbackBodies bodies;
    private final CallbackSignature signature;
    private final CallbackUrls urls;
    private final Settings settings;
    private final ExecutorService senders;
    private final Clock clock;
    private final String owner;
    private final CloseableHttpClient http;
    /** One slot per sender thread: events are claimed only for free slots, so none waits in a queue on its claim. */
    private final Semaphore slots;
    /** Events a sender takes at a time: a POST's worth, or with one event per POST a run of them. */
    private final int perSender;
    /**
     * A permit each time a host's sender finished its host's queue and gave its slot back: a claim after one that found
     * all of a receiver's attempts under way (its batches queued or handed back) waits for this, not for a free sender
     * thread (those come free at once for a queued batch), so that a busy receiver's queue is refilled when it runs
     * low, and its events are not claimed only to be handed back.
     */
    private final Semaphore hostFreed = new Semaphore(0);
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();
    /** Events the receivers took (2xx), not yet recorded: poll records them with its next claim. */
    private final Queue<Event> sent = new ConcurrentLinkedQueue<>();

    public CallbackDelivery(CallbackEventStore store, CallbackBodies bodies, CallbackSignature signature,
            CallbackUrls urls, Settings settings, HttpClientConnectionManager connections, ExecutorService senders,
            String owner, Clock clock) {
        this.store = store;
        this.bodies = bodies;
        this.signature = signature;
        this.urls = urls;
        this.settings = settings;
        this.senders = senders;
        this.owner = owner;
        this.clock = clock;
        this.slots = new Semaphore(settings.concurrency());
        this.perSender = settings.batchSize() > 1 ? settings.batchSize() : RUN;
        Timeout timeout = Timeout.ofMilliseconds(settings.timeout().toMillis());
        // redirects are answers like any other (retried), and so is every failure: no retries of the client's own
        this.http = HttpClients.custom().setConnectionManager(connections).setConnectionManagerShared(true)
                .setDefaultRequestConfig(RequestConfig.custom().setConnectionRequestTimeout(timeout)
                        .setResponseTimeout(timeout).setRedirectsEnabled(false).build())
                .disableRedirectHandling().disableAutomaticRetries().disableCookieManagement()
                .disableContentCompression().disableAuthCaching().setUserAgent(USER_AGENT).build();
    }

    /**
     * Claims due events for the free sender threads and hands them over, until none is due; returns how many were
     * handed over. Called by each tick of callback-delivery. While events keep coming, it claims again once half of
     * the senders are free, so a backlog is claimed in batches rather than one event per query.
     */
    public int poll() throws SQLException, InterruptedException {
        int handed = 0;
        int half = Math.max(1, settings.concurrency() / 2);
        // a tick ends after a while even during a backlog, so that a stopping node's route finishes its exchange
        long end = System.nanoTime() + TICK_LIMIT.toNanos();
        while (System.nanoTime() < end) {
            int free = slots.drainPermits();
            if (free == 0) {
                return handed;
            }
            hostFreed.drainPermits();
            List<Event> acks = takeAcks();
            int limit = free * perSender;
            List<Event> claimed;
            try {
                claimed = store.claimDue(owner, leaseUntil(), limit, acks);
            } catch (SQLException | RuntimeException e) {
                slots.release(free);
                sent.addAll(acks);
                throw e;
            }
            List<Batch> batches = batches(claimed);
            int used = Math.min(free, batches.size());
            slots.release(free - used);
            boolean busy = false;
            for (Batch batch : batches.subList(0, used)) {
                busy |= !dispatch(batch);
            }
            // more receivers than free senders (each batch goes to one URL): the rest is due again at once
            for (Batch batch : batches.subList(used, batches.size())) {
                handBack(batch, Duration.ZERO);
            }
            handed += claimed.size();
            if (claimed.size() < limit) {
                break;
            }
            if (busy && !hostFreed.tryAcquire(BATCH_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                break;
            }
            if (!slots.tryAcquire(half, BATCH_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                break;
            }
            slots.release(half);
        }
        store.markSent(takeAcks());
        return handed;
    }

    /**
     * The claimed events as the senders' shares: those to the same URL together, up to callbacks.batch-size each (one
     * POST), or with one event per POST up to {@link #RUN} (POSTed one after the other), in the order claimed. An event
     * that goes nowhere (refused, no receiver, stopped by 410) is one of its own. A batch holds at most one event per
     * stream, since only the first pending event of a stream is claimed.
     */
    private List<Batch> batches(List<Event> claimed) {
        List<Batch> batches = new ArrayList<>();
        Map<URI, Batch> open = new HashMap<>();
        for (Event event : claimed) {
            Target target = target(event);
            if (target.host() == null) {
                batches.add(new Batch(new ArrayList<>(List.of(event)), target));
                continue;
            }
            Batch batch = open.get(target.uri());
            if (batch == null || batch.events().size() >= perSender) {
                batch = new Batch(new ArrayList<>(), target);
                open.put(target.uri(), batch);
                batches.add(batch);
            }
            batch.events().add(event);
        }
        return batches;
    }

    /** Events for one sender, to one URL: one POST, or a run of single-event POSTs (or one event that goes nowhere). */
    private record Batch(List<Event> events, Target target) {
    }

    private void handBack(Batch batch, Duration wait) {
        for (Event event : batch.events()) {
            try {
                store.release(event.id(), clock.instant().plus(wait));
            } catch (SQLException | RuntimeException e) {
                LOG.warn("Event {} ({}): could not hand it back ({}); it is sent when its claim ends",
                        event.eventId(), event.type(), e.toString());
            }
        }
    }

    /** The events the receivers took since the last look, to be recorded as SENT. */
    private List<Event> takeAcks() {
        List<Event> acks = new ArrayList<>();
        for (Event event = sent.poll(); event != null; event = sent.poll()) {
            acks.add(event);
        }
        return acks;
    }

    /**
     * On a graceful stop (the senders have finished or been interrupted): hands this node's unsettled claims back at
     * once instead of when their lease ends.
     */
    public int handBack() throws SQLException {
        for (Host host : hosts.values()) {
            synchronized (host) {
                host.waiting.clear();
            }
        }
        store.markSent(takeAcks());
        return store.releaseClaims(owner);
    }

    /** A claim lasts longer than one attempt can: connecting, the answer's head and its body each within the timeout. */
    private Instant leaseUntil() {
        return clock.instant().plus(settings.timeout().multipliedBy(3)).plusSeconds(30);
    }

    /**
     * Hands a batch to a sender thread, or, when its receiver's host has callbacks.per-host-concurrency attempts under
     * way, to that host's queue (at most as long again), which the host's next free sender takes from: a slow
     * receiver's events wait in memory instead of being handed back to the database and claimed again at every poll.
     * Beyond that, the batch is handed back, due again shortly. Returns whether the batch went to a sender at once.
     */
    private boolean dispatch(Batch batch) {
        if (batch.target().host() == null) {
            senders.execute(() -> {
                try {
                    deliver(batch);
                } finally {
                    slots.release();
                }
            });
            return true;
        }
        Host host = hosts.computeIfAbsent(batch.target().host(), h -> new Host(settings.perHost()));
        if (host.slots.tryAcquire()) {
            senders.execute(() -> deliverAll(batch, host));
            return true;
        }
        slots.release();
        synchronized (host) {
            if (host.waiting.size() < settings.perHost()) {
                host.waiting.add(batch);
                return false;
            }
        }
        handBack(batch, HOST_BUSY_WAIT);
        return false;
    }

    /** Delivers the batch, then the ones waiting for the same host, in this thread, holding one host slot. */
    private void deliverAll(Batch first, Host host) {
        try {
            Batch batch = first;
            while (batch != null) {
                deliver(batch);
                synchronized (host) {
                    batch = host.waiting.poll();
                }
            }
        } finally {
            host.slots.release();
            slots.release();
            hostFreed.release();
        }
    }

    /** A receiver host: its free attempts and the claimed events waiting for one. */
    private static final class Host {
        final Semaphore slots;
        final Deque<Batch> waiting = new ArrayDeque<>();

        Host(int perHost) {
            this.slots = new Semaphore(perHost);
        }
    }

    /** Where an event goes: its URL and host, or why it goes nowhere (then host is null). */
    private record Target(URI uri, String host, String refusal) {
    }

    private Target target(Event event) {
        if (event.gone()) {
            return new Target(null, null, null);
        }
        String url = event.url() != null ? event.url()
                : Callbacks.INBOUND.equals(event.type()) ? settings.inboundUrl() : settings.defaultUrl();
        if (url == null || url.isBlank()) {
            return new Target(null, null, "no receiver: set " + (Callbacks.INBOUND.equals(event.type())
                    ? "callbacks.inbound-url" : "callbacks.url") + ", then send it again with POST /api/callbacks/retry");
        }
        URI uri = URI.create(url);
        String refused = urls.refusedTarget(uri.getHost());
        if (refused != null) {
            return new Target(null, null, refused);
        }
        return new Target(uri, uri.getHost() + ":" + uri.getPort(), null);
    }

    /**
     * One attempt at a batch, or with one event per POST at each event of the run in turn; every outcome is stored (a
     * failure to store it leaves the claim to run out). A run stops at the first event its receiver did not take: the
     * rest wait as long as that one, without an attempt counted, so a receiver that is down gets one request per run
     * rather than one per event. It stops too once callbacks.timeout has passed since it began, the rest due at once,
     * so that a slow receiver's run ends well within the claim.
     */
    void deliver(Batch batch) {
        if (settings.batchSize() > 1 || batch.events().size() == 1) {
            deliverOnce(batch);
            return;
        }
        List<Event> run = batch.events();
        long end = System.nanoTime() + settings.timeout().toNanos();
        for (int i = 0; i < run.size(); i++) {
            Duration wait = deliverOnce(new Batch(List.of(run.get(i)), batch.target()));
            if (i < run.size() - 1 && (wait != null || System.nanoTime() - end > 0)) {
                Batch rest = new Batch(run.subList(i + 1, run.size()), batch.target());
                handBack(rest, wait == null ? Duration.ZERO : wait);
                return;
            }
        }
    }

    /** One attempt at a batch: null when it went (taken, stopped, given up), else how long until it is tried again. */
    private Duration deliverOnce(Batch batch) {
        try {
            return attempt(batch);
        } catch (SQLException | RuntimeException e) {
            Event first = batch.events().get(0);
            LOG.warn("Event {} ({}){}: could not record the attempt ({}); sent again when its claim ends",
                    first.eventId(), first.type(), others(batch), e.toString());
            batch.events().forEach(event -> store.unclaim(event.id()));
            return Duration.ZERO;
        }
    }

    private static String others(Batch batch) {
        int more = batch.events().size() - 1;
        return more == 0 ? "" : " and " + more + " more";
    }

    private Duration attempt(Batch batch) throws SQLException {
        Target target = batch.target();
        if (target.uri() == null) {
            for (Event event : batch.events()) {
                if (event.gone()) {
                    store.markGone(event, "not sent: the receiver answered 410 Gone to an earlier event of this stream");
                } else {
                    store.markFailed(event.id(), false, target.refusal());
                }
            }
            return null;
        }
        URI uri = target.uri();
        Answer answer = post(uri, body(batch.events()));
        if (answer.status() / 100 == 2) {
            // recorded with the next claim, one transaction for many; should this node die first, the events are sent
            // again after their lease (at least once, the same eventIds)
            sent.addAll(batch.events());
            return null;
        } else if (answer.status() == 410) {
            int stopped = 0;
            for (Event event : batch.events()) {
                stopped += store.markGone(event,
                        "the receiver answered 410 Gone: no more events of this stream go to it");
            }
            Event first = batch.events().get(0);
            LOG.info("Event {} ({}){}: {} answered 410 Gone; {} events of their streams not sent", first.eventId(),
                    first.type(), others(batch), uri.getHost(), stopped);
            return null;
        }
        return failed(batch, uri, answer);
    }

    /**
     * One event's body as documented; with callbacks.batch-size above 1, every POST carries a JSON array of event
     * bodies (one or more), so a receiver reads one shape.
     */
    private byte[] body(List<Event> events) {
        if (settings.batchSize() == 1) {
            return bodies.body(events.get(0));
        }
        ByteArrayOutputStream array = new ByteArrayOutputStream(events.size() * 400);
        array.write('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                array.write(',');
            }
            array.writeBytes(bodies.body(events.get(i)));
        }
        array.write(']');
        return array.toByteArray();
    }

    /** Stores a failed attempt: each event retried later, or FAILED past callbacks.max-age; returns the longest wait. */
    private Duration failed(Batch batch, URI uri, Answer answer) throws SQLException {
        Instant now = clock.instant();
        String error = answer.error() != null ? answer.error() : "the receiver answered HTTP " + answer.status();
        Duration longest = Duration.ZERO;
        int attempts = 0;
        int retried = 0;
        for (Event event : batch.events()) {
            if (!now.isBefore(event.retrySince().plus(settings.maxAge()))) {
                store.markFailed(event.id(), true, error + "; given up after callbacks.max-age ("
                        + settings.maxAge() + ")");
                LOG.warn("Event {} ({}) to {} FAILED after {} attempts over callbacks.max-age: {}", event.eventId(),
                        event.type(), uri.getHost(), event.attempts() + 1, error);
                continue;
            }
            Duration delay = backOff(event.attempts());
            if (answer.retryAfter() != null && answer.retryAfter().compareTo(delay) > 0) {
                delay = answer.retryAfter().compareTo(settings.maxDelay()) > 0 ? settings.maxDelay()
                        : answer.retryAfter();
            }
            store.retryLater(event.id(), now.plus(delay), error);
            longest = delay.compareTo(longest) > 0 ? delay : longest;
            attempts = Math.max(attempts, event.attempts() + 1);
            retried++;
        }
        if (retried > 0) {
            Event first = batch.events().get(0);
            LOG.info("Event {} ({}){} to {}: {}; attempt {} failed, {} retried in up to {} ms", first.eventId(),
                    first.type(), others(batch), uri.getHost(), error, attempts, retried, longest.toMillis());
        }
        return longest;
    }

    /**
     * callbacks.retry.initial-delay doubled per attempt, at most callbacks.retry.max-delay, then drawn at random from
     * its upper half ("equal jitter"), so receivers that come back are not hit by every node's retries at once.
     */
    Duration backOff(int attempts) {
        long initial = settings.initialDelay().toMillis();
        long max = settings.maxDelay().toMillis();
        long delay = attempts >= 40 ? max : Math.min(max, initial << Math.min(attempts, 40));
        return Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
    }

    /** What the receiver did: its status (0 when none came), a Retry-After, or what went wrong on the way. */
    private record Answer(int status, Duration retryAfter, String error) {
    }

    private Answer post(URI uri, byte[] body) {
        HttpPost request = new HttpPost(uri);
        request.setEntity(new ByteArrayEntity(body, JSON));
        if (signature.canSign()) {
            request.setHeader(CallbackSignature.HEADER, signature.sign(clock.instant().getEpochSecond(), body));
        }
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        ClassicHttpResponse answer;
        try {
            answer = http.executeOpen(null, request, null);
        } catch (SocketTimeoutException e) {
            return new Answer(0, null, "no answer within callbacks.timeout (" + settings.timeout() + ")");
        } catch (IOException e) {
            return new Answer(0, null, "request failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
        try {
            Header retryAfter = answer.getFirstHeader("Retry-After");
            discard(answer.getEntity(), deadline);
            return new Answer(answer.getCode(), retryAfter(retryAfter == null ? null : retryAfter.getValue()), null);
        } finally {
            // after its body was read to the end or its connection ended: nothing left to fail that matters
            Closer.closeQuietly(answer);
        }
    }

    /**
     * Reads an answer's body to its end and discards it, so that its connection serves the next event; a body longer
     * than {@link #DRAIN_LIMIT}, or still coming when callbacks.timeout has passed since the request, ends the
     * connection instead. The status is in either way.
     */
    private static void discard(HttpEntity body, long deadline) {
        if (body == null) {
            return;
        }
        try {
            InputStream in = body.getContent();
            byte[] buffer = new byte[8192];
            long read = 0;
            int n;
            while (read <= DRAIN_LIMIT && deadline - System.nanoTime() > 0) {
                n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                read += n;
            }
            // the client's bodies are EOF-sensing streams: abort ends the connection, where closing would read on
            if (in instanceof EofSensorInputStream sensor) {
                sensor.abort();
            }
        } catch (IOException | RuntimeException cutShort) {
            // the status is in; a body cut short changes nothing, and its connection is not reused
        }
    }

    /** Retry-After as seconds or as an HTTP date; null when absent or unreadable. */
    private Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        try {
            Duration until = Duration.between(clock.instant(),
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
