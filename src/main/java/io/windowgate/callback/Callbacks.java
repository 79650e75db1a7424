package io.windowgate.callback;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.NotificationRequest;
import io.windowgate.store.CallbackEventStore;
import io.windowgate.store.CallbackEventStore.NewEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events that do not come from a notification's status change (those the database writes itself): a customer's
 * message for callbacks.inbound-url, a window opening, the sweep's window closing and closed, and a notification
 * rejected before it was stored. Each is stored for callback-delivery; nothing is sent from here.
 */
public final class Callbacks {

    public static final String STATUS = "notification.status";
    public static final String INBOUND = "message.inbound";
    public static final String WINDOW_OPENED = "window.opened";

    private static final Logger LOG = LoggerFactory.getLogger(Callbacks.class);
    /** Rows per delete: a short transaction each, so the senders' writes to the table never wait long. */
    static final int PRUNE_CHUNK = 1_000;
    /**
     * Chunks per sweep: 100,000 events a minute at the default expiry.cron, far above what an instance writes, so the
     * backlog of a first run (or of a shortened retention) goes within a few sweeps without one sweep running long.
     */
    static final int PRUNE_CHUNKS_PER_SWEEP = 100;

    private final CallbackEventStore store;
    private final CallbackUrls urls;
    private final BusinessNumbers numbers;
    private final boolean defaultUrl;
    private final boolean inboundUrl;
    private final Duration openFor;
    private final Duration closingLead;
    private final Duration retention;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param defaultUrl  callbacks.url is set: status events of every notification, and the window events
     * @param inboundUrl  callbacks.inbound-url is set: customers' messages are forwarded
     * @param openFor     how long a window stays open after the customer's message, as Windowgate sends by it
     *                    (window.hours less window.safety-margin)
     * @param closingLead callbacks.window-closing-lead; null: no window.closing events
     * @param retention   callbacks.retention: how long delivered events are kept; null: kept for good
     */
    public Callbacks(CallbackEventStore store, CallbackUrls urls, BusinessNumbers numbers, boolean defaultUrl,
            boolean inboundUrl, Duration openFor, Duration closingLead, Duration retention, Clock clock) {
        this.store = store;
        this.urls = urls;
        this.numbers = numbers;
        this.defaultUrl = defaultUrl;
        this.inboundUrl = inboundUrl;
        this.openFor = openFor;
        this.closingLead = closingLead;
        this.retention = retention;
        this.clock = clock;
    }

    /** Callbacks switched off: no receiver is configured, so no event is stored. */
    public static Callbacks none(Clock clock) {
        return new Callbacks(null, new CallbackUrls(true), BusinessNumbers.defaultOnly(), false, false, Duration.ZERO,
                null, null, clock);
    }

    /**
     * A customer's message to business number {@code number} (an alias), from {@code recipient} at {@code at}: a
     * message.inbound event when callbacks.inbound-url is set, and window.opened when callbacks.url is set and the
     * window was closed. A webhook delivered again stores neither twice (the eventIds derive from the message).
     * {@code recipient} is null for a customer known only by their business-scoped user id (no number linked yet):
     * the message is forwarded at once with {@code "from": null} and its {@code userId}, and no window event is
     * announced, since windows are kept by number.
     */
    public void inbound(String number, JsonNode message, String recipient, Instant at) throws SQLException {
        String wamid = message.path("id").asText(null);
        String customer = recipient != null ? recipient : "user:" + message.path("from_user_id").asText("");
        if (inboundUrl) {
            String eventId = wamid == null ? UUID.randomUUID().toString() : derivedId(INBOUND, wamid);
            store.insert(new NewEvent(eventId, INBOUND, "m:" + number + ":" + customer, null, null, null, null, null,
                    recipient, number, null, inboundPayload(number, message, recipient, at), at));
        }
        Instant closesAt = at.plus(openFor);
        if (defaultUrl && recipient != null && closesAt.isAfter(clock.instant())) {
            String eventId = derivedId(WINDOW_OPENED, number + ":" + recipient + ":" + closesAt);
            store.windowOpened(number, recipient, closesAt, new NewEvent(eventId, WINDOW_OPENED,
                    "w:" + number + ":" + recipient, null, null, null, null, null, recipient, number, closesAt, null,
                    clock.instant()));
        }
    }

    /** The fields of a message.inbound event: who wrote to which number, when, and what (text, reply or media). */
    private String inboundPayload(String number, JsonNode message, String recipient, Instant at) {
        ObjectNode p = json.createObjectNode();
        p.put("from", recipient);
        p.put("userId", message.path("from_user_id").asText(null));
        p.put("businessNumber", number);
        BusinessNumbers.BusinessNumber business = numbers.byAlias(number);
        p.put("phoneNumberId", business == null ? null : business.id());
        p.put("wamid", message.path("id").asText(null));
        p.put("at", at.toString());
        String type = message.path("type").asText("unknown");
        p.put("messageType", type);
        JsonNode content = message.path(type);
        switch (type) {
            case "text" -> p.put("text", content.path("body").asText(null));
            case "button" -> {
                p.put("payload", content.path("payload").asText(null));
                p.put("text", content.path("text").asText(null));
            }
            case "interactive" -> {
                JsonNode reply = content.has("button_reply") ? content.path("button_reply") : content.path("list_reply");
                p.put("payload", reply.path("id").asText(null));
                p.put("text", reply.path("title").asText(null));
            }
            case "image", "video", "audio", "document", "sticker" -> {
                ObjectNode media = p.putObject("media");
                media.put("type", type);
                media.put("id", content.path("id").asText(null));
                media.put("mimeType", content.path("mime_type").asText(null));
                media.put("caption", content.path("caption").asText(null));
                media.put("filename", content.path("filename").asText(null));
                p.put("text", content.path("caption").asText(null));
            }
            default -> p.putNull("text");
        }
        return p.toString();
    }

    /**
     * A notification refused before it was stored (no stored status to change): a REJECTED event with the reason,
     * to its callbackUrl when that is usable, else to callbacks.url. Without an id (nothing to name) or a receiver,
     * nothing; the same refusal again (a file dropped again) is stored once.
     */
    public void rejected(NotificationRequest request, String reason) throws SQLException {
        String id = request.id();
        if (id == null || id.isBlank() || id.length() > 128) {
            return;
        }
        String url = request.callbackUrl() == null || request.callbackUrl().isBlank()
                || urls.problem(request.callbackUrl().strip()) != null ? null : request.callbackUrl().strip();
        if (url == null && !defaultUrl) {
            return;
        }
        store.insert(new NewEvent(derivedId("rejected", id + "\n" + reason), STATUS, "n:" + id, url, id, "REJECTED",
                reason, request.source(), null, null, null, null, clock.instant()));
    }

    /** The sweep's window events: window.closing and window.closed, set-based (when callbacks.url is set). */
    public void sweepWindows() throws SQLException {
        if (!defaultUrl) {
            return;
        }
        CallbackEventStore.WindowSweep sweep = store.sweepWindows(closingLead);
        if (sweep.closing() + sweep.closed() > 0) {
            LOG.info("Window events: {} windows closing, {} closed", sweep.closing(), sweep.closed());
        }
    }

    /**
     * Deletes the events delivered longer than callbacks.retention ago, a bounded amount per sweep (see
     * {@link CallbackEventStore#pruneDelivered}); whatever is left goes at the next sweep. Returns how many.
     */
    public int pruneDelivered() throws SQLException {
        if (store == null || retention == null) {
            return 0;
        }
        int deleted = store.pruneDelivered(clock.instant().minus(retention), PRUNE_CHUNK, PRUNE_CHUNKS_PER_SWEEP);
        if (deleted > 0) {
            LOG.info("Callback events: {} delivered more than {} ago deleted", deleted, retention);
        }
        return deleted;
    }

    private static String derivedId(String kind, String key) {
        return UUID.nameUUIDFromBytes((kind + "\n" + key).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
