package io.windowgate.http;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import io.windowgate.http.ApiTokens.Scope;

/**
 * The one authentication step of every {@code /api/*} request but the OpenAPI document ({@code /api/openapi.json}),
 * run by the HTTP server ahead of the routes ({@link HttpEntrances}): without a configured bearer token 401, with a
 * token whose scope does not cover the request 403, else the request goes on with its caller's scopes as the
 * authenticated user, which Camel hands to the route as the header {@code CamelVertxPlatformHttpAuthenticatedUser} (a
 * header a client cannot set: Camel drops incoming {@code Camel*} headers, and a forged value would not be a
 * {@link User}).
 */
public final class ApiAuthentication {

    /** The header through which platform-http hands the authenticated user to the route. */
    public static final String USER_HEADER = "CamelVertxPlatformHttpAuthenticatedUser";
    static final String CHALLENGE = "Bearer realm=\"windowgate\"";
    static final String UNAUTHORIZED = "missing or invalid bearer token: send 'Authorization: Bearer <token>'";
    static final String FORBIDDEN = "this token may not use this API";

    /** The API's OpenAPI document: public, so a client can learn the API before it holds a token. */
    private static final Pattern PUBLIC = Pattern.compile("/api/openapi\\.json/?");
    /** A notification by id: for the CRM that pushed it and the read-only views. */
    private static final Pattern NOTIFICATION = Pattern.compile("/api/notifications/[^/]+/?");
    /** Cancelling a notification: for the CRM that pushed it (and the admin). */
    private static final Pattern CANCEL = Pattern.compile("/api/notifications/[^/]+/cancel/?");
    /** The read-only views: status, files, rejections, usage, templates, windows, activity. */
    private static final Pattern READ_ONLY = Pattern.compile(
            "/api/(notifications/[^/]+|files(/[^/]+)?|rejections|usage|templates|windows(/[^/]+)?|activity)/?");

    private final ApiTokens tokens;

    public ApiAuthentication(ApiTokens tokens) {
        this.tokens = tokens;
    }

    /** Answers 401 or 403, or hands the request on with its caller's scopes (the public document: without any). */
    void handle(RoutingContext request) {
        if (PUBLIC.matcher(request.normalizedPath()).matches()) {
            request.next();
            return;
        }
        Set<Scope> scopes = tokens.scopesOf(request.request().getHeader("Authorization"));
        if (scopes.isEmpty()) {
            request.response().putHeader("WWW-Authenticate", CHALLENGE);
            HttpEntrances.answer(request, 401, UNAUTHORIZED);
        } else if (!allows(scopes, request.request().method(), request.normalizedPath())) {
            HttpEntrances.answer(request, 403, FORBIDDEN);
        } else {
            JsonArray names = new JsonArray();
            scopes.forEach(scope -> names.add(scope.name().toLowerCase(Locale.ROOT)));
            request.setUser(User.create(new JsonObject().put("username", "api").put("scopes", names)));
            request.next();
        }
    }

    /** Whether these scopes cover a request: the admin token everything, the others what their scope names. */
    static boolean allows(Set<Scope> scopes, HttpMethod method, String path) {
        if (scopes.contains(Scope.ADMIN)) {
            return true;
        }
        boolean get = HttpMethod.GET.equals(method);
        boolean post = HttpMethod.POST.equals(method);
        if (scopes.contains(Scope.CRM) && (post && path.matches("/api/notifications/?")
                || post && CANCEL.matcher(path).matches() || get && NOTIFICATION.matcher(path).matches())) {
            return true;
        }
        return scopes.contains(Scope.READ) && get && READ_ONLY.matcher(path).matches();
    }

    /** Whether the caller of a request (the route's {@link #USER_HEADER}) holds the admin token. */
    public static boolean isAdmin(Object user) {
        return user instanceof User caller && caller.principal().getJsonArray("scopes", new JsonArray())
                .contains(Scope.ADMIN.name().toLowerCase(Locale.ROOT));
    }
}
