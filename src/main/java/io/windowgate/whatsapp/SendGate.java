package io.windowgate.whatsapp;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.Notification;
import io.windowgate.notification.PhoneMask;
import io.windowgate.store.SendingStateStore;
import io.windowgate.store.SendingStateStore.Pause;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, just before each provider call, whether it may go now. In order: sending is not paused (account-level
 * error), the provider's Retry-After has passed, the recipient has a token left (pair rate: one message per
 * {@code pairInterval}, bursts of {@code pairBurst}), and the number stays under {@code maxPerSecond} across all routes
 * ({@link SendRate}: never more than that in any one second, in bursts of a tenth of a second's worth). A short wait,
 * for a Retry-After and the number's turn together, is spent here; anything longer comes back as a deferral, and the
 * notification waits in the outbox instead of holding a thread.
 */
public final class SendGate {

    private static final Logger LOG = LoggerFactory.getLogger(SendGate.class);
    private static final long PAUSE_CACHE_NANOS = Duration.ofSeconds(1).toNanos();
    private static final int PAIR_CLEANUP_SIZE = 100_000;

    /** May the send go now; if not, the earliest instant to try again and why. */
    public record Admission(boolean go, Instant notBefore, String reason) {
        static final Admission GO = new Admission(true, null, null);
    }

    private final SendingStateStore state;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final long maxWaitNanos;
    /** Each business number's rate (whatsapp.max-messages-per-second is the default's), by alias. */
    private final Map<String, NumberRate> rates = new ConcurrentHashMap<>();
    private final NumberRate defaultRate;
    private final long pairIntervalNanos;
    private final int pairBurst;
    private final Map<String, TokenBucket> pairs = new ConcurrentHashMap<>();

    private volatile long throttledUntilNanos;
    private volatile Pause pause;
    private volatile long pauseReadAt;
    private volatile boolean pauseLogged;
    private volatile int sharedBy = 1;
    /**
     * The hold after the last throughput refusal without Retry-After, when that refusal came, and when the burst of
     * refusals it belongs to began (nanos).
     */
    private long holdNanos;
    private long lastRefusalNanos;
    private long burstStartNanos;

    /** The hold after a first throughput refusal without Retry-After ({@link #throttledWithoutRetryAfter}). */
    public static final Duration FIRST_HOLD = Duration.ofMillis(250);

    /**
     * How long a send may wait in {@link #admit} for its turn in Windowgate's configuration: a longer wait gives the
     * notification back to the outbox, due at its turn, instead of holding a sender's thread.
     */
    public static final Duration MAX_WAIT = Duration.ofSeconds(2);

    public SendGate(SendingStateStore state, Clock clock, LongSupplier nanoTime, double maxPerSecond,
            Duration pairInterval, int pairBurst, Duration maxWait) {
        if (maxPerSecond <= 0 || pairBurst < 1 || pairInterval.isNegative() || pairInterval.isZero()) {
            throw new IllegalArgumentException("whatsapp.max-messages-per-second and whatsapp.pair.burst must be "
                    + "positive, whatsapp.pair.interval a positive duration");
        }
        this.state = state;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.maxWaitNanos = maxWait.toNanos();
        this.defaultRate = new NumberRate(maxPerSecond, nanoTime.getAsLong());
        rates.put(BusinessNumbers.DEFAULT, defaultRate);
        this.pairIntervalNanos = pairInterval.toNanos();
        this.pairBurst = pairBurst;
        this.throttledUntilNanos = nanoTime.getAsLong();
        this.pauseReadAt = throttledUntilNanos - PAUSE_CACHE_NANOS - 1; // read the pause at the first admit
    }

    /**
     * The throughput of another business number: its sends are counted apart from the default's (Meta's limit is per
     * number), and shared between the nodes as the default's is.
     */
    public void addNumber(String alias, double maxPerSecond) {
        if (maxPerSecond <= 0) {
            throw new IllegalArgumentException("the max-messages-per-second of number '" + alias + "' must be positive");
        }
        NumberRate rate = new NumberRate(maxPerSecond, nanoTime.getAsLong());
        rate.sends.setRate(maxPerSecond / sharedBy, nanoTime.getAsLong());
        rates.put(alias, rate);
    }

    /**
     * {@code nodes} nodes send for the same numbers now (cluster.RateShare counts them): this node keeps its share of
     * each number's rate, so that together they stay under it.
     */
    public synchronized void shareWith(int nodes) {
        int n = Math.max(1, nodes);
        if (n != sharedBy) {
            long now = nanoTime.getAsLong();
            rates.values().forEach(r -> r.sends.setRate(r.maxPerSecond / n, now));
            sharedBy = n;
            LOG.info("{} node(s) share whatsapp.max-messages-per-second={}: at most {} per second from this node{}", n,
                    defaultRate.maxPerSecond, String.format(java.util.Locale.ROOT, "%.1f", defaultRate.maxPerSecond / n),
                    rates.size() > 1 ? " (each business number its own share of its rate)" : "");
        }
    }

    /** How many nodes share the number's rate, as last counted. */
    public int sharedBy() {
        return sharedBy;
    }

    /** As {@link #admit(String, String)}, for a send from the default number. */
    public Admission admit(String recipient) throws SQLException {
        return admit(BusinessNumbers.DEFAULT, recipient);
    }

    /**
     * As {@link #admit(String, String)}, for a notification's business number and recipient. The routes pass whole
     * objects to beans and ask them, rather than calling accessors in expressions, which copy the exchange per call.
     */
    public Admission admitSend(Notification n) throws SQLException {
        return admit(n.sender(), n.to());
    }

    /** Whether an admission lets the send go now (for the route's choice). */
    public boolean goes(Admission admission) {
        return admission.go();
    }

    /**
     * Waits briefly for the business number's rate if needed; returns GO, or a deferral when the send must wait longer.
     * Pacing is per (number, recipient): WhatsApp's pair rate limit counts each business number's messages apart.
     */
    public Admission admit(String number, String recipient) throws SQLException {
        Pause current = pause();
        if (current != null) {
            return new Admission(false, current.until(), "sending paused: " + current.reason());
        }
        // a short Retry-After is waited out here like a short wait for the rate (together at most maxWait): deferring
        // instead would put every claimed notification back one by one, and claim them all again a moment later
        long entered = nanoTime.getAsLong();
        long now = entered;
        for (long held = throttledUntilNanos - now; held > 0; held = throttledUntilNanos - now) {
            if (now + held - entered > maxWaitNanos) {
                return new Admission(false, instantIn(held), "provider throughput limit (Retry-After)");
            }
            LockSupport.parkNanos(held);
            now = nanoTime.getAsLong();
        }
        long ready = now;
        TokenBucket pair = pairs.computeIfAbsent(pairKey(number, recipient),
                r -> new TokenBucket(pairBurst, pairIntervalNanos, ready));
        long pairWait = pair.tryTake(ready);
        if (pairWait > 0) {
            return new Admission(false, instantIn(pairWait), "pacing for this recipient (one message per "
                    + Duration.ofNanos(pairIntervalNanos) + ", burst " + pairBurst + ")");
        }
        SendRate sends = rates.getOrDefault(number, defaultRate).sends;
        long deadline = entered + maxWaitNanos;
        long wait = sends.reserve(ready, Math.max(0, deadline - ready));
        if (wait < 0) {
            pair.giveBack();
            return rateReached(number, -wait);
        }
        // parkNanos may return early: a send must not start before its turn
        long turn = ready + wait;
        for (long left = wait; left > 0; left = turn - nanoTime.getAsLong()) {
            LockSupport.parkNanos(left);
        }
        // ... and it may return late, or the thread wait for a core: the send leaves only once the sends that really
        // left allow it, and gives its turn up when that would make the whole wait longer than maxWait
        for (long at = nanoTime.getAsLong(), left = sends.depart(at); left > 0;
                at = nanoTime.getAsLong(), left = sends.depart(at)) {
            if (at + left - deadline > 0) {
                pair.giveBack();
                return rateReached(number, left);
            }
            LockSupport.parkNanos(left);
        }
        if (pairs.size() > PAIR_CLEANUP_SIZE) {
            long at = nanoTime.getAsLong();
            pairs.values().removeIf(b -> b.isFullAt(at));
        }
        return Admission.GO;
    }

    private Admission rateReached(String number, long waitNanos) {
        return new Admission(false, instantIn(waitNanos), BusinessNumbers.DEFAULT.equals(number)
                ? "whatsapp.max-messages-per-second reached"
                : "max-messages-per-second of business number " + number + " reached");
    }

    /**
     * The provider answered a throughput error (130429): nobody sends before {@code retryAfter} has passed, and each
     * number's window is widened for a while ({@link SendRate#widen}): the sends arrived at the provider closer together
     * than they left here.
     */
    public Instant throttled(Duration retryAfter) {
        long now = nanoTime.getAsLong();
        long until = now + retryAfter.toNanos();
        synchronized (this) {
            if (until - throttledUntilNanos > 0) {
                throttledUntilNanos = until;
            }
        }
        long margin = 0;
        for (NumberRate rate : rates.values()) {
            margin = Math.max(margin, rate.sends.widen(now));
        }
        LOG.warn("Provider throughput limit hit: no sends for {}; each number's one-second window is {} ms longer for "
                + "a while", retryAfter, margin / 1_000_000);
        return clock.instant().plus(retryAfter);
    }

    /**
     * The provider answered a throughput error without saying how long to wait (130429 comes without Retry-After):
     * every send is held, for {@link #FIRST_HOLD} after a first refusal, twice as long after each further one within
     * {@link SendRate#NARROW_EVERY} of the one before (the refusals within a second of the first of a burst count
     * once), at most {@code longest}. A refusal shows that the sends arrived closer together than they left, and the
     * widened window ({@link #throttled}) keeps them apart from now on; the hold only lets the sends already on their
     * way pass first. A whole back-off at each refusal (a second or two) would stop sending for far longer than one
     * refusal warrants, while refusals that go on still reach it within a few.
     */
    public Instant throttledWithoutRetryAfter(Duration longest) {
        long now = nanoTime.getAsLong();
        long hold;
        synchronized (this) {
            if (holdNanos == 0 || now - lastRefusalNanos >= SendRate.NARROW_EVERY) {
                holdNanos = FIRST_HOLD.toNanos();
                burstStartNanos = now;
            } else if (now - burstStartNanos >= SendRate.SECOND) {
                holdNanos = Math.min(holdNanos * 2, longest.toNanos());
                burstStartNanos = now;
            }
            lastRefusalNanos = now;
            hold = Math.min(holdNanos, longest.toNanos());
        }
        return throttled(Duration.ofNanos(hold));
    }

    /** As {@link #pairLimited(String, String)}, for the default number. */
    public Instant pairLimited(String recipient) {
        return pairLimited(BusinessNumbers.DEFAULT, recipient);
    }

    /**
     * The provider answered a pair rate error (131056): the tokens of this (number, recipient) pair are used up. Returns
     * its next slot.
     */
    public Instant pairLimited(String number, String recipient) {
        long now = nanoTime.getAsLong();
        TokenBucket pair = pairs.computeIfAbsent(pairKey(number, recipient),
                r -> new TokenBucket(pairBurst, pairIntervalNanos, now));
        pair.drain(now);
        LOG.info("Provider pair rate limit for {}: next message to them in {}", PhoneMask.mask(recipient),
                Duration.ofNanos(pairIntervalNanos));
        return instantIn(pairIntervalNanos);
    }

    /** Pauses all sending (account-level error) until {@code until}, for every node. */
    public Pause pause(Instant until, Integer errorCode, String reason) throws SQLException {
        Pause current = state.pause(until, errorCode, reason);
        cache(current);
        return current;
    }

    /** An operator ends the pause. Returns true when one was in force. */
    public boolean resume() throws SQLException {
        boolean resumed = state.resume();
        cache(null);
        if (resumed) {
            LOG.warn("Sending resumed by an operator");
        }
        return resumed;
    }

    /** The pause in force, or null; read from the database at most once a second. */
    public Pause pause() throws SQLException {
        long now = nanoTime.getAsLong();
        if (now - pauseReadAt > PAUSE_CACHE_NANOS) {
            cache(state.current());
        }
        Pause current = pause;
        if (current != null && !current.activeAt(clock.instant())) {
            if (pauseLogged) {
                LOG.warn("Sending pause ({}) is over: sending again", current.reason());
                pauseLogged = false;
            }
            return null;
        }
        return current;
    }

    private void cache(Pause current) {
        pause = current;
        pauseReadAt = nanoTime.getAsLong();
        if (current != null && current.activeAt(clock.instant()) && !pauseLogged) {
            pauseLogged = true;
            LOG.error("SENDING PAUSED until {}: {}. Everything stays queued. Fix the cause, then resume with "
                    + "POST /api/sending/resume (or wait for the pause to end).", current.until(), current.reason());
        }
    }

    private static String pairKey(String number, String recipient) {
        return BusinessNumbers.DEFAULT.equals(number) ? recipient : number + "/" + recipient;
    }

    /** A number's configured rate and this node's share of it. */
    private static final class NumberRate {
        final double maxPerSecond;
        final SendRate sends;

        NumberRate(double maxPerSecond, long now) {
            this.maxPerSecond = maxPerSecond;
            this.sends = new SendRate(maxPerSecond, now);
        }
    }

    /**
     * The sends of one business number from this node: at most {@code perSecond} start in any one-second window, however
     * the window is placed. Meta counts a number's messages per second and answers 130429 to the first one over, so a
     * token bucket holding a second's worth is not enough: it lets a full bucket go at once and a second's refill
     * after it, twice the rate within one second. Two rules together keep to the rate:
     * <ul>
     * <li>spacing (GCRA, a token bucket in the form of a theoretical arrival time): one send every {@code window /
     * limit}, with bursts of at most a tenth of a second's worth, so the sends spread over the second instead of
     * leaving in a burst that meets every sender's answer at the same time;</li>
     * <li>a window: a send starts no earlier than one second after the send {@code limit} places before it (a ring of
     * the last {@code limit} start times), which alone bounds every window to {@code limit} sends.</li>
     * </ul>
     * The window is {@link #MARGIN} longer than a second: the provider counts the requests when they arrive, and a
     * request leaves a few milliseconds after its turn, later or sooner than the one before it (thread scheduling, the
     * network). At a steady rate the two rules agree; the window rule holds back what follows a burst. When the
     * provider answers 130429 nonetheless, the requests arrived closer together than that: {@link #widen} lengthens the
     * window by a further {@link #WIDEN_STEP} (up to {@link #MOST_WIDENED}), and the addition shrinks back by one step
     * every {@link #NARROW_EVERY} without another, so that a machine busy for a while costs throughput for a while.
     * {@link #reserve} may book a start in the near future: the caller waits until then, and then asks
     * {@link #depart}, which applies the window to the times the sends really left. On a busy machine a sender wakes
     * up tens of milliseconds after its turn, later than the margin, and a send booked a second after it but punctual
     * would otherwise arrive less than a second after it.
     */
    static final class SendRate {
        static final long SECOND = 1_000_000_000L;
        private static final double BURST_SECONDS = 0.1;
        /** Room for requests that arrive at the provider closer together than their turns were: 2.5 % of the rate. */
        static final long MARGIN = 25_000_000L;
        /** Added to the window at each 130429 (one burst of them counts once). */
        static final long WIDEN_STEP = 25_000_000L;
        /** The most added: the rate then keeps to about 0.9 of the setting. */
        static final long MOST_WIDENED = 100_000_000L;
        /** How long one step of the addition lasts without another 130429. */
        static final long NARROW_EVERY = 60 * SECOND;
        /**
         * The most start times kept (800 KB, and as many departures): a rate above this many per second (far above any
         * WhatsApp tier; tests use it to lift the limit) keeps to it over a window shorter than a second.
         */
        private static final int MOST_KEPT = 100_000;

        private long interval;
        private long tolerance;
        /** The window without any addition after a 130429. */
        private long window;
        /** Added to the window at {@link #widenedAt}, shrinking by a step every {@link #NARROW_EVERY} since. */
        private long widened;
        private long widenedAt;
        private long theoreticalArrival;
        /** Start times booked for the last sends, as many as the limit. */
        private Instants starts;
        private long lastStart;
        /** When the last sends really left, in that order, as many as the limit. */
        private Instants departed;

        SendRate(double perSecond, long now) {
            theoreticalArrival = now;
            lastStart = now;
            starts = new Instants(0);
            departed = new Instants(0);
            setRate(perSecond, now);
        }

        /**
         * Books the next start: returns the nanos to wait before sending (0 = now); when that would be more than
         * {@code maxWait}, nothing is booked and the negated wait is returned.
         */
        synchronized long reserve(long now, long maxWait) {
            long start = Math.max(now, lastStart);
            start = Math.max(start, theoreticalArrival - tolerance);
            if (starts.isFull()) {
                start = Math.max(start, starts.oldest() + window(now));
            }
            long wait = start - now;
            if (wait > maxWait) {
                return -wait;
            }
            theoreticalArrival = Math.max(theoreticalArrival, start) + interval;
            lastStart = start;
            starts.add(start);
            return wait;
        }

        /**
         * A send whose turn has come leaves now, unless that would put more than the limit into one window of the
         * sends that really left: a turn is booked ahead, and the sender may wake up late or wait for a core, so the
         * start times booked can be closer together than the departures. Returns 0 when it leaves now (recorded), else
         * the nanos to wait before asking again.
         */
        synchronized long depart(long now) {
            long wait = departed.isFull() ? departed.oldest() + window(now) - now : 0;
            if (wait > 0) {
                return wait;
            }
            departed.add(now);
            return 0;
        }

        /** The window at {@code now}: the base one and what is left of the addition after the last 130429. */
        private long window(long now) {
            return window + added(now);
        }

        private long added(long now) {
            if (widened == 0) {
                return 0;
            }
            long since = Math.min(now - widenedAt, NARROW_EVERY * (MOST_WIDENED / WIDEN_STEP + 1));
            long left = widened - since * WIDEN_STEP / NARROW_EVERY;
            if (left <= 0) {
                widened = 0;
                return 0;
            }
            return left;
        }

        /**
         * The provider refused a send with 130429: the window grows by a step from now on. The refusals of one burst
         * arrive within a second of the first (every sender had booked its turn), and count as one. Returns the
         * addition now in force.
         */
        synchronized long widen(long now) {
            long current = added(now);
            if (widened > 0 && now - widenedAt < SECOND) {
                return current;
            }
            widened = Math.min(MOST_WIDENED, current + WIDEN_STEP);
            widenedAt = now;
            return widened;
        }

        /**
         * A new rate from now on, {@code perSecond} sends a second at most (several nodes share the number). The starts
         * already booked still count: the latest of them stay in the window.
         */
        synchronized void setRate(double perSecond, long now) {
            int limit = (int) Math.min(MOST_KEPT, Math.max(1, Math.floor(perSecond + 1e-9)));
            // below one a second (a low rate shared by several nodes): one send per 1 / perSecond
            long span = (long) Math.ceil(limit * SECOND / perSecond);
            window = (limit == MOST_KEPT ? span : Math.max(SECOND, span)) + MARGIN;
            interval = (window + limit - 1) / limit;
            tolerance = (long) (Math.max(0, Math.floor(perSecond * BURST_SECONDS) - 1) * interval);
            starts = starts.resized(limit);
            departed = departed.resized(limit);
        }
    }

    /** The last {@code capacity} instants (nanos) added, oldest first; filled from the start. */
    static final class Instants {
        private final long[] times;
        private int oldest;
        private int count;

        Instants(int capacity) {
            times = new long[capacity];
        }

        boolean isFull() {
            return count == times.length;
        }

        /** The oldest kept; only when {@link #isFull}. */
        long oldest() {
            return times[oldest];
        }

        void add(long time) {
            if (isFull()) {
                times[oldest] = time;
                oldest = (oldest + 1) % times.length;
            } else {
                times[(oldest + count++) % times.length] = time;
            }
        }

        /** A copy that holds {@code capacity}, with the latest of these in it. */
        Instants resized(int capacity) {
            Instants copy = new Instants(capacity);
            int kept = Math.min(count, capacity);
            for (int i = 0; i < kept; i++) {
                copy.add(times[(oldest + count - kept + i) % times.length]);
            }
            return copy;
        }
    }

    private Instant instantIn(long nanos) {
        return clock.instant().plusNanos(nanos);
    }

    /**
     * A recipient's token bucket: {@code capacity} tokens, one more every {@code nanosPerToken}; {@link #tryTake} never
     * borrows from the future.
     */
    static final class TokenBucket {
        private final double capacity;
        private final double nanosPerToken;
        private double tokens;
        private long updatedAt;

        TokenBucket(double capacity, double nanosPerToken, long now) {
            this.capacity = capacity;
            this.nanosPerToken = nanosPerToken;
            this.tokens = capacity;
            this.updatedAt = now;
        }

        /** Takes a token: 0 when one is there, else the nanos until one will be (nothing taken). */
        synchronized long tryTake(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * nanosPerToken);
        }

        synchronized void giveBack() {
            tokens = Math.min(capacity, tokens + 1);
        }

        synchronized void drain(long now) {
            refill(now);
            tokens = Math.min(tokens, 0);
        }

        synchronized boolean isFullAt(long now) {
            refill(now);
            return tokens >= capacity;
        }

        private void refill(long now) {
            if (now > updatedAt) {
                tokens = Math.min(capacity, tokens + (now - updatedAt) / nanosPerToken);
                updatedAt = now;
            }
        }
    }
}
