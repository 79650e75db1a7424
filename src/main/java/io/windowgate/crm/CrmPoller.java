package io.windowgate.crm;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.NotificationIntake;
import io.windowgate.notification.NotificationJson;
import io.windowgate.notification.NotificationJson.MalformedJsonException;
import io.windowgate.notification.NotificationRequest;
import io.windowgate.store.SourceStore;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CRM pull: what the crm-poll route needs to GET pages of notifications from {@code crm.poll.url}.
 * A page is a JSON array of notifications, or {@code {"items": [...], "next": "<cursor>"}}; the next page is asked for
 * with {@code ?<crm.poll.cursor-param>=<cursor>}. The cursor is stored only after the page's items are stored, so a
 * crash repeats a page at worst (its items are then duplicates). After a failure, polls are skipped for a back-off
 * period that doubles with each failure in a row, up to {@code crm.poll.max-backoff}.
 */
public final class CrmPoller {

    /** The source name: the cursor's key, and the source of refused items. */
    public static final String SOURCE = "crm-poll";
    private static final Logger LOG = LoggerFactory.getLogger(CrmPoller.class);

    /**
     * What became of one page.
     *
     * @param cursor      the cursor to ask the next page with (the stored one)
     * @param more        whether to ask for the next page in this poll
     */
    public record PageOutcome(String cursor, boolean more) {
    }

    private final URI url;
    private final String cursorParam;
    private final String authHeader;
    private final String authValue;
    private final Duration interval;
    private final Duration maxBackoff;
    private final int maxPages;
    private final SourceStore store;
    private final NotificationJson json;
    private final NotificationIntake intake;
    private final Clock clock;
    private int failuresInARow;
    private Instant retryAt = Instant.MIN;
    private long acceptedThisPoll;
    private int pagesThisPoll;

    public CrmPoller(String url, String cursorParam, String authHeader, String authValue, Duration interval,
            Duration maxBackoff, int maxPages, SourceStore store, NotificationJson json, NotificationIntake intake,
            Clock clock) {
        this.url = url == null || url.isBlank() ? null : URI.create(url.trim());
        this.cursorParam = cursorParam;
        this.authHeader = authHeader;
        this.authValue = authValue;
        this.interval = interval;
        this.maxBackoff = maxBackoff;
        this.maxPages = maxPages;
        this.store = store;
        this.json = json;
        this.intake = intake;
        this.clock = clock;
    }

    /** Whether this poll is skipped because an earlier one failed and the back-off has not passed yet. */
    public synchronized boolean isBackingOff() {
        return clock.instant().isBefore(retryAt);
    }

    /** The stored cursor to start this poll from (null: from the start). */
    public String startCursor() throws SQLException {
        acceptedThisPoll = 0;
        pagesThisPoll = 0;
        return store.cursor(SOURCE);
    }

    /** The CRM URL without its query (the query goes into the CamelHttpQuery header). */
    public String baseUrl() {
        String full = url.toString();
        int query = full.indexOf('?');
        return query < 0 ? full : full.substring(0, query);
    }

    /** The query of the next request: the configured URL's own query, plus the cursor when there is one. */
    public String query(String cursor) {
        String own = url.getRawQuery();
        String cursorPart = cursor == null ? null
                : URLEncoder.encode(cursorParam, StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
        if (own == null || own.isEmpty()) {
            return cursorPart;
        }
        return cursorPart == null ? own : own + "&" + cursorPart;
    }

    /** Prepares the request: only the configured authentication header and Accept go to the CRM. */
    public void prepareRequest(Exchange exchange, String cursor) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader("Accept", "application/json");
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "GET");
        String query = query(cursor);
        if (query != null) {
            exchange.getMessage().setHeader(Exchange.HTTP_QUERY, query);
        }
        if (authValue != null && !authValue.isBlank()) {
            exchange.getMessage().setHeader(authHeader, authValue);
        }
        exchange.getMessage().setBody(null);
    }

    /** Removes the authentication header again, so it cannot travel further with the exchange. */
    public void forgetCredentials(Exchange exchange) {
        exchange.getMessage().removeHeader(authHeader);
    }

    /**
     * Stores the items of one page and then its cursor. Refused items are recorded with their reason (they cannot be
     * answered to anybody); the other items still count.
     */
    public PageOutcome store(byte[] body, String cursor, int pageIndex) throws MalformedJsonException, SQLException {
        JsonNode root = json.read(body);
        JsonNode items;
        String next = null;
        if (root.isArray()) {
            items = root;
        } else if (root.isObject() && root.path("items").isArray()) {
            items = root.get("items");
            JsonNode nextNode = root.get("next");
            if (nextNode != null && !nextNode.isNull()) {
                if (!nextNode.isTextual() && !nextNode.isNumber()) {
                    throw new MalformedJsonException("the CRM page's 'next' must be a string cursor", null);
                }
                next = nextNode.asText();
            }
        } else {
            throw new MalformedJsonException("the CRM answered neither a JSON array of notifications nor an object "
                    + "with an 'items' array", null);
        }
        pagesThisPoll++;
        List<NotificationRequest> requests = json.items(items, "crm");
        for (int i = 0; i < requests.size(); i++) {
            NotificationRequest request = requests.get(i);
            NotificationIntake.Result result = intake.accept(request);
            switch (result.outcome()) {
                case ACCEPTED -> acceptedThisPoll++;
                case DUPLICATE -> { }
                case REJECTED -> {
                    String item = request.id() != null ? request.id() : "item " + i;
                    String reference = "page " + (cursor == null ? "(first)" : "cursor=" + cursor);
                    store.reject(SOURCE, reference, item, result.reason());
                    LOG.warn("CRM poll: refused {} of {}: {}", item, reference, result.reason());
                }
            }
        }
        boolean advanced = next != null && !next.isEmpty() && !next.equals(cursor);
        if (advanced) {
            store.saveCursor(SOURCE, next); // only now: every item of this page is stored
        }
        boolean more = advanced && !requests.isEmpty() && pageIndex + 1 < maxPages;
        return new PageOutcome(advanced ? next : cursor, more);
    }

    /** The poll went through: the back-off is reset. */
    public synchronized void succeeded() {
        if (failuresInARow > 0) {
            LOG.info("CRM poll works again after {} failed polls", failuresInARow);
        }
        failuresInARow = 0;
        retryAt = Instant.MIN;
        if (acceptedThisPoll > 0) {
            LOG.info("CRM poll: {} new notifications from {} pages", acceptedThisPoll, pagesThisPoll);
        }
    }

    /** The poll failed: nothing after the last stored cursor was lost; skip polls for a doubling back-off. */
    public synchronized void failed(Exception exception) {
        failuresInARow++;
        long factor = 1L << Math.min(failuresInARow - 1, 20);
        Duration backoff = interval.multipliedBy(factor);
        if (backoff.compareTo(maxBackoff) > 0) {
            backoff = maxBackoff;
        }
        retryAt = clock.instant().plus(backoff);
        LOG.warn("CRM poll failed ({} in a row): {}. The cursor was kept; next poll in {} s", failuresInARow,
                describe(exception), String.format(java.util.Locale.ROOT, "%.1f", backoff.toMillis() / 1000.0));
    }

    /** A failure in words, without the URL's query or any header (they may carry credentials). */
    static String describe(Exception exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                return "the CRM answered HTTP " + http.getStatusCode() + " " + http.getStatusText();
            }
            if (t instanceof MalformedJsonException malformed) {
                return malformed.getMessage();
            }
            if (t instanceof java.io.IOException io) {
                return "cannot reach the CRM: " + io.getClass().getSimpleName()
                        + (io.getMessage() == null ? "" : " " + io.getMessage().replaceAll("\\?\\S*", ""));
            }
        }
        return exception.getClass().getSimpleName() + ": " + exception.getMessage();
    }
}
