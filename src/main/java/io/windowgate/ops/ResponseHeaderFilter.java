package io.windowgate.ops;

import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * Header policy of Windowgate's HTTP server: requests are read as usual, but a response carries only the headers the
 * routes set on purpose. Camel otherwise echoes request headers (signatures, authorization) back to the caller.
 */
public final class ResponseHeaderFilter extends HttpHeaderFilterStrategy {

    private static final Set<String> RESPONSE_HEADERS = Set.of("content-type", "retry-after", "location",
            "www-authenticate", "content-security-policy");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !RESPONSE_HEADERS.contains(headerName.toLowerCase(java.util.Locale.ROOT))
                || super.applyFilterToCamelHeaders(headerName, headerValue, exchange);
    }
}
