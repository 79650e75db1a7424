package io.windowgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.http.HttpMethod;
import io.windowgate.http.ApiTokens.Scope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The OpenAPI document (src/main/resources/openapi.json) and what the server serves are the same API: every HTTP
 * route in routes/ is an operation of the document and every operation is a route; each /api operation names exactly
 * the scopes the authentication step lets through, and lists the answers of the checks ahead of the routes (401, 403,
 * 413, 415, 431, 400 for odd paths). The route tests hold the real answers to its schemas
 * (io.windowgate.routes.OpenApiContract).
 */
class OpenApiDocumentTest {

    private static final Path ROUTES = Path.of("routes");
    private static final Path DOCUMENT = Path.of("src/main/resources/openapi.json");
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");
    private static final Pattern PARAMETER = Pattern.compile("\\{[^/}]+}");
    private static final String FIX = "describe it in " + DOCUMENT + " (path, parameters, request body, every answer "
            + "with its schema, security and x-windowgate-scopes)";

    private static JsonNode document;

    @BeforeAll
    static void readDocument() throws IOException {
        document = JsonMapper.builder().build().readTree(Files.readString(DOCUMENT, StandardCharsets.UTF_8));
    }

    @Test
    void everyHttpRouteIsDocumentedAndEveryDocumentedOperationIsServed() throws IOException {
        Set<String> served = served(ROUTES);
        Set<String> documented = documented(document);
        assertThat(served).as("operations served by the platform-http routes in " + ROUTES).isNotEmpty();

        List<String> problems = new ArrayList<>();
        for (String operation : served) {
            if (!documented.contains(operation)) {
                problems.add(operation + " is served by a route in " + ROUTES + " but not in the OpenAPI document: "
                        + FIX);
            }
        }
        for (String operation : documented) {
            if (!served.contains(operation)) {
                problems.add(operation + " is in the OpenAPI document but no route in " + ROUTES + " serves it: "
                        + "remove it from " + DOCUMENT + " or add the route");
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void aRouteAddedWithoutTheDocumentOrTheOtherWayRoundIsNamed(@TempDir Path dir)
            throws IOException {
        Files.writeString(dir.resolve("extra-api.camel.yaml"), """
                - route:
                    id: extra-api
                    routeConfigurationId: view-api-errors
                    from:
                      uri: "platform-http:/api/extras/{extraId}"
                      parameters:
                        httpMethodRestrict: GET,DELETE
                      steps:
                        - log:
                            message: hi
                - route:
                    id: query-api
                    routeConfigurationId: view-api-errors
                    from:
                      uri: "platform-http:/api/queried?httpMethodRestrict=PUT"
                      steps:
                        - log:
                            message: hi
                - route:
                    id: not-http
                    routeConfigurationId: view-api-errors
                    from:
                      uri: direct:not-http
                      steps:
                        - log:
                            message: hi
                """);
        assertThat(served(dir)).containsExactly("DELETE /api/extras/{}", "GET /api/extras/{}", "PUT /api/queried");
        assertThat(documented(document)).contains("GET /api/notifications/{}", "POST /api/notifications")
                .doesNotContain("GET /api/extras/{}");
    }

    @Test
    void aRouteThatServesEveryMethodIsRefused(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("open-api.camel.yaml"), """
                - route:
                    id: open-api
                    routeConfigurationId: view-api-errors
                    from:
                      uri: platform-http:/api/open
                      steps:
                        - log:
                            message: hi
                """);
        assertThat(served(dir)).containsExactly("ANY /api/open (set httpMethodRestrict: the document lists methods)");
    }

    @Test
    void theDocumentIsValidOpenApi31() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(document.toString(), null, options);
        assertThat(result.getMessages()).as("what swagger-parser finds wrong in " + DOCUMENT).isEmpty();
        assertThat(result.getOpenAPI()).isNotNull();
        assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
        assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
    }

    @Test
    void eachApiOperationNamesExactlyTheScopesTheAuthenticationStepLetsThrough() {
        List<String> problems = new ArrayList<>();
        forEachOperation((path, method, operation) -> {
            Set<String> listed = new TreeSet<>();
            operation.path("x-windowgate-scopes").forEach(scope -> listed.add(scope.asString()));
            Set<String> required = new TreeSet<>();
            operation.path("security").forEach(requirement -> requirement.properties().forEach(scheme -> {
                if (scheme.getKey().equals("bearerToken")) {
                    scheme.getValue().forEach(scope -> required.add(scope.asString()));
                }
            }));
            String what = method.toUpperCase(Locale.ROOT) + " " + path;
            if (!operation.has("security") || !operation.has("x-windowgate-scopes")) {
                problems.add(what + " lacks 'security' or 'x-windowgate-scopes' (an empty list for no token)");
            }
            if (!listed.equals(required)) {
                problems.add(what + ": x-windowgate-scopes " + listed + " but security names " + required);
            }
            boolean guarded = path.startsWith("/api/") && !path.equals("/api/openapi.json");
            String example = PARAMETER.matcher(path).replaceAll("x1");
            for (Scope scope : Scope.values()) {
                String name = scope.name().toLowerCase(Locale.ROOT);
                boolean allowed = !guarded
                        || ApiAuthentication.allows(EnumSet.of(scope), HttpMethod.valueOf(method.toUpperCase(
                                Locale.ROOT)), example);
                if (guarded && allowed != listed.contains(name)) {
                    problems.add(what + ": the '" + name + "' token " + (allowed ? "may" : "may not")
                            + " call it, but x-windowgate-scopes says " + listed);
                }
            }
            if (guarded != !listed.isEmpty()) {
                problems.add(what + (guarded ? " needs a token, but names no scope" : " needs no token, but names "
                        + "scopes " + listed));
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void eachOperationListsTheAnswersOfTheChecksAheadOfTheRoutes() {
        List<String> problems = new ArrayList<>();
        forEachOperation((path, method, operation) -> {
            String what = method.toUpperCase(Locale.ROOT) + " " + path;
            Set<String> codes = new TreeSet<>();
            operation.path("responses").propertyNames().forEach(codes::add);
            boolean guarded = !operation.path("x-windowgate-scopes").isEmpty();
            // the webhook answers 401 and 403 of its own (signature, handshake): only their absence is checked
            expect(problems, what, codes, "401", guarded, "a missing or wrong token");
            expect(problems, what, codes, "403", guarded, "a token of another scope");
            expect(problems, what, codes, "400", PARAMETER.matcher(path).find(),
                    "a path parameter with dot segments or encoded slashes");
            expect(problems, what, codes, "413", method.equals("post"), "a body above camel.server.max-body-size");
            expect(problems, what, codes, "431", true, "request headers larger than the server reads");
            boolean json = method.equals("post") && HttpEntrances.JSON_POSTS.contains(path);
            expect(problems, what, codes, "415", json, "a body not declared as JSON (HttpEntrances.JSON_POSTS)");
            if (!json && codes.contains("415")) {
                problems.add(what + " lists 415, but the Content-Type is only checked on HttpEntrances.JSON_POSTS");
            }
        });
        assertThat(problems).isEmpty();
    }

    private static void expect(List<String> problems, String what, Set<String> codes, String code, boolean expected,
            String cause) {
        if (expected && !codes.contains(code)) {
            problems.add(what + " does not list " + code + ", the answer to " + cause);
        }
    }

    private interface OperationVisitor {
        void visit(String path, String method, JsonNode operation);
    }

    private static void forEachOperation(OperationVisitor visitor) {
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(method -> {
            if (METHODS.contains(method.getKey())) {
                visitor.visit(path.getKey(), method.getKey(), method.getValue());
            }
        }));
    }

    /** "METHOD /path/{}" of every operation in the document. */
    private static Set<String> documented(JsonNode document) {
        Set<String> operations = new TreeSet<>();
        document.path("paths").properties().forEach(path -> path.getValue().propertyNames().forEach(method -> {
            if (METHODS.contains(method)) {
                operations.add(method.toUpperCase(Locale.ROOT) + " " + normalised(path.getKey()));
            }
        }));
        return operations;
    }

    /** "METHOD /path/{}" of every platform-http consumer in the route files of a folder. */
    static Set<String> served(Path folder) throws IOException {
        YAMLMapper yaml = YAMLMapper.builder().build();
        Set<String> operations = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".camel.yaml")).sorted().toList();
        }
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                for (JsonNode item : yaml.readTree(in)) {
                    JsonNode from = item.path("route").path("from");
                    String uri = from.path("uri").asString("");
                    if (!uri.startsWith("platform-http:")) {
                        continue;
                    }
                    String[] pathAndQuery = uri.substring("platform-http:".length()).split("\\?", 2);
                    String path = normalised(pathAndQuery[0]);
                    String restrict = from.path("parameters").path("httpMethodRestrict").asString("");
                    if (restrict.isBlank() && pathAndQuery.length > 1) {
                        // the option may sit in the URI's query instead
                        Matcher inQuery = Pattern.compile("(?:^|&)httpMethodRestrict=([^&]*)").matcher(pathAndQuery[1]);
                        restrict = inQuery.find() ? inQuery.group(1) : "";
                    }
                    if (restrict.isBlank()) {
                        operations.add("ANY " + path + " (set httpMethodRestrict: the document lists methods)");
                    }
                    for (String method : restrict.split(",")) {
                        if (!method.isBlank()) {
                            operations.add(method.trim().toUpperCase(Locale.ROOT) + " " + path);
                        }
                    }
                }
            }
        }
        return operations;
    }

    /** The path with every parameter written {}, so names need not agree. */
    private static String normalised(String path) {
        return PARAMETER.matcher(path).replaceAll("{}");
    }
}
