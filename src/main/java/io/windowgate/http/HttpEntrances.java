package io.windowgate.http;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * What the business HTTP server answers before a route sees the request, in the APIs' JSON error shape
 * ({"error": "..."}) instead of Vert.x's bare text: a path with dot segments or encoded slashes is refused (400), every
 * {@code /api/*} request is authenticated ({@link ApiAuthentication}: 401, 403), a JSON entrance refuses a body not
 * declared as UTF-8 JSON (415), and a body above {@code camel.server.max-body-size}, which Vert.x refuses unread, gets
 * a 413 naming that limit. Checking here, ahead of the routes, applies one rule to every route and refuses a request
 * before its body is read. Every answer carries {@code Cache-Control: no-store} and
 * {@code X-Content-Type-Options: nosniff}, and a route's failure answers 500 without its stack trace.
 */
public final class HttpEntrances {

    /** The POST endpoints whose body is JSON. */
    static final List<String> JSON_POSTS = List.of("/api/notifications", "/api/notifications/retry",
            "/api/callbacks/retry", "/api/templates", "/api/consents", "/webhooks/whatsapp");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private HttpEntrances() {
    }

    static final String ODD_PATH = "the path may not hold '.' or '..' segments, backslashes or encoded slashes or dots";

    /** Installs the checks on the business server (on {@code port}) as soon as its router exists. */
    public static void install(CamelContext context, int port, ApiAuthentication authentication) throws Exception {
        // platform-http answers a failed exchange with the exception's stack trace unless told not to
        context.getCamelContextExtension().registerEndpointCallback((uri, endpoint) -> {
            if (endpoint instanceof PlatformHttpEndpoint http) {
                http.setMuteException(true);
            }
            return endpoint;
        });
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarting(CamelContext starting, boolean alreadyStarted) {
                // the router is not bound yet
            }

            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(started,
                        VertxPlatformHttpRouter.getRouterNameFromPort(port));
                // none when camel.server.enabled is false: then there is nothing to guard
                if (router != null) {
                    installOn(router, router.getServer().getMaxBodySize(), authentication);
                }
            }
        });
    }

    static void installOn(Router router, Long maxBodySize, ApiAuthentication authentication) {
        router.route().order(-5).handler(request -> {
            request.addHeadersEndHandler(ended -> request.response().headers().set("Cache-Control", "no-store")
                    .set("X-Content-Type-Options", "nosniff"));
            if (isOddPath(request.request().path())) {
                answer(request, 400, ODD_PATH);
            } else {
                request.next();
            }
        });
        // "/api/*" matches the path the router matches the routes against (normalised), so no route under /api is
        // reached around it
        router.route("/api/*").order(-4).handler(authentication::handle);
        Handler<RoutingContext> jsonOnly = request -> {
            String refusal = JsonMediaType.refusal(request.request().getHeader("Content-Type"));
            if (refusal == null) {
                request.next();
            } else {
                answer(request, 415, refusal);
            }
        };
        // ahead of the routes' own handlers, which Camel adds in the order the routes start
        for (String path : JSON_POSTS) {
            router.post(path).order(-1).handler(jsonOnly);
        }
        // Vert.x fails the request with 413 before reading an over-long body; the failure handlers of the router the
        // routes live on are tried first to last, so this one answers before Vert.x's plain-text default
        router.route().order(-2).failureHandler(request -> {
            if (request.statusCode() == 413) {
                answer(request, 413, tooLarge(maxBodySize));
            } else {
                request.next();
            }
        });
    }

    /**
     * Whether a raw request path could name another path than it seems to: dot segments (which the router resolves,
     * so {@code /api/notifications/../sending} is {@code /api/sending}), backslashes, encoded slashes or dots.
     */
    static boolean isOddPath(String path) {
        if (path == null) {
            return false;
        }
        String lower = path.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e") || lower.contains("\\")) {
            return true;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    static String tooLarge(Long maxBodySize) {
        return "the body is larger than camel.server.max-body-size (" + maxBodySize + " bytes), the largest request "
                + "this server reads: split it into several smaller requests (fewer notifications per request)";
    }

    static void answer(RoutingContext request, int status, String message) {
        String body;
        try {
            body = MAPPER.writeValueAsString(Map.of("error", message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (request.response().headWritten()) {
            return;
        }
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }
}
