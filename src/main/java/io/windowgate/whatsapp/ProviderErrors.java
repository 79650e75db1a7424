package io.windowgate.whatsapp;

import java.io.IOException;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Reads and classifies Cloud API errors by {@code error.code} (never by message text). Transient errors are redelivered
 * by the send routes' error handler; everything else is final for this attempt.
 */
public final class ProviderErrors {

    /** Codes Meta documents as temporary: retry later. */
    private static final Set<Integer> TRANSIENT_CODES = Set.of(1, 2, 4, 130429, 131000, 131016, 131056, 133004, 80007);

    private final ObjectMapper json = new ObjectMapper();

    /** Whether the failure is worth redelivering: I/O errors, HTTP 5xx and 429, and the temporary error codes. */
    public boolean isTransient(Exception exception) {
        if (exception instanceof HttpOperationFailedException http) {
            ProviderError error = fromHttp(http);
            return http.getStatusCode() >= 500 || http.getStatusCode() == 429
                    || (error.code() != null && TRANSIENT_CODES.contains(error.code()));
        }
        return exception instanceof IOException;
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

    /** The error from the final failure of a send: an HTTP error answer or a transport problem. */
    public ProviderError fromException(Exception exception) {
        if (exception instanceof HttpOperationFailedException http) {
            return fromHttp(http);
        }
        return new ProviderError(0, null, exception.getClass().getSimpleName(), exception.getMessage());
    }

    /** Reads an error object of the Cloud API ({@code error} of a response, or an entry of {@code statuses[].errors}). */
    public static ProviderError fromErrorObject(int httpStatus, JsonNode error) {
        Integer code = error.path("code").canConvertToInt() ? error.path("code").asInt() : null;
        String title = error.hasNonNull("title") ? error.get("title").asText() : error.path("message").asText(null);
        String details = error.path("error_data").path("details").asText(null);
        return new ProviderError(httpStatus, code, title, details);
    }
}
