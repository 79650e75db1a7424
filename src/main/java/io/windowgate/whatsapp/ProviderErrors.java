package io.windowgate.whatsapp;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import javax.net.ssl.SSLHandshakeException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.client5.http.ConnectTimeoutException;

/**
 * Reads Cloud API errors and classifies a failed send ({@link ErrorClass}) by {@code error.code}, never by message
 * text. Transport errors are split by whether the request can have reached the provider: a refused or timed-out
 * connection cannot (retry), a timeout or reset after the request left can (outcome unknown).
 */
public final class ProviderErrors {

    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock;
    private final Supplier<MeterRegistry> meters;

    public ProviderErrors(Clock clock) {
        this(clock, () -> null);
    }

    /** With {@code meters}, {@link #count} counts each error in {@code windowgate_provider_errors_total}. */
    public ProviderErrors(Clock clock, Supplier<MeterRegistry> meters) {
        this.clock = clock;
        this.meters = meters;
    }

    /**
     * Counts one provider error by code and class, and by where it came from: {@code answer} (the answer to a send)
     * or {@code webhook} (a failed status). The code label is the Cloud API code, else {@code http-<status>}, else
     * {@code transport} (no answer at all).
     */
    public void count(ProviderError error, ErrorClass errorClass, String origin) {
        MeterRegistry registry = meters.get();
        if (registry == null) {
            return;
        }
        String code = error.code() != null ? error.code().toString()
                : error.httpStatus() > 0 ? "http-" + error.httpStatus() : "transport";
        Counter.builder("windowgate.provider.errors")
                .description("Provider errors by Cloud API code, class (what Windowgate does about it) and origin")
                .tag("code", code).tag("class", errorClass.name().toLowerCase(Locale.ROOT)).tag("origin", origin)
                .register(registry).increment();
    }

    /**
     * A failed send, classified.
     *
     * @param retryAfter how long the provider asked us to wait (HTTP Retry-After), or null
     */
    public record Failure(ProviderError error, ErrorClass errorClass, Duration retryAfter) {
    }

    /**
     * Classifies the exception a send ended with: an HTTP error answer or a transport problem of the provider call.
     * A database failure is refused: the driver's connection errors are transport exceptions too (a refused
     * connection to the database would read as a provider that cannot be reached, and use up a retry).
     */
    public Failure classify(Exception exception) {
        SQLException database = find(exception, SQLException.class);
        if (database != null) {
            throw new IllegalArgumentException("not a provider failure: the database failed (" + database + ")",
                    exception);
        }
        HttpOperationFailedException http = find(exception, HttpOperationFailedException.class);
        if (http != null) {
            ProviderError error = fromHttp(http);
            return new Failure(error, ErrorClass.of(error), retryAfter(http.getResponseHeaders()));
        }
        Throwable cause = exception;
        while (cause.getCause() != null && !(cause instanceof IOException)) {
            cause = cause.getCause();
        }
        ProviderError error = new ProviderError(0, null, cause.getClass().getSimpleName(), cause.getMessage());
        return new Failure(error, neverSent(exception) ? ErrorClass.RETRY : ErrorClass.UNKNOWN_OUTCOME, null);
    }

    /** The provider's error from a failed HTTP answer; falls back to the HTTP status when the body is not Cloud API JSON. */
    public ProviderError fromHttp(HttpOperationFailedException http) {
        String body = http.getResponseBody();
        if (body != null && !body.isBlank()) {
            try {
                JsonNode error = json.readTree(body).path("error");
                if (error.isObject()) {
                    return fromErrorObject(http.getStatusCode(), error);
                }
            } catch (IOException notJson) {
                // fall through: a proxy or gateway answered, not the Cloud API
            }
        }
        return new ProviderError(http.getStatusCode(), null, http.getStatusText(), null);
    }

    /** Reads an error object of the Cloud API ({@code error} of a response, or an entry of {@code statuses[].errors}). */
    public static ProviderError fromErrorObject(int httpStatus, JsonNode error) {
        Integer code = error.path("code").canConvertToInt() ? error.path("code").asInt() : null;
        String title = error.hasNonNull("title") ? error.get("title").asText() : error.path("message").asText(null);
        String details = error.path("error_data").path("details").asText(null);
        return new ProviderError(httpStatus, code, title, details);
    }

    /** Whether the transport failed before the request could leave: no connection was ever made. */
    private static boolean neverSent(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof ConnectTimeoutException
                    || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }

    /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
    private Duration retryAfter(Map<String, String> headers) {
        if (headers == null) {
            return null;
        }
        String value = headers.entrySet().stream().filter(e -> "retry-after".equalsIgnoreCase(e.getKey()))
                .map(Map.Entry::getValue).filter(v -> v != null && !v.isBlank()).findFirst().orElse(null);
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(clock.instant(),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    private static <T extends Throwable> T find(Throwable exception, Class<T> type) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
