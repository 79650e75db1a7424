package io.windowgate.routes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.StringNode;

/**
 * The served OpenAPI document (src/main/resources/openapi.json) as a contract the route tests hold the real answers to:
 * given the method, path, status and body of an exchange, it finds the operation and checks that the document lists
 * the status and that the body fits its schema (JSON Schema 2020-12, formats asserted); a request body the server took
 * without rejecting anything must fit the request schema. A path the document does not name, or a method it does not
 * list there, is the router's 404 or 405: the consistency test (OpenApiDocumentTest) keeps routes and document equal.
 */
final class OpenApiContract {

    /** Where the document is found on the test classpath, as served. */
    static final String RESOURCE = "openapi.json";
    /*
     * Reads a body as the server does: the first JSON value (the webhook takes a signed body with text after its value;
     * the CRM push refuses one itself, with 400).
     */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final String BASE = "https://windowgate.invalid/openapi.json";
    /** The media range of a body read as text whatever its Content-Type. */
    private static final String ANY = "*/*";
    private static final Pattern PARAMETER = Pattern.compile("\\{[^/}]+}");

    /** The document on the classpath, loaded once for every test. */
    static final OpenApiContract DOCUMENT = load();

    private final JsonNode document;
    private final SchemaRegistry schemas;
    private final List<Path> paths = new ArrayList<>();
    private final Map<String, Schema> compiled = new ConcurrentHashMap<>();

    /** A documented path and the pattern of the raw request paths it names. */
    private record Path(String template, Pattern pattern, int parameters) {
    }

    /** One operation: its path as documented, its method (lower case) and its node in the document. */
    record Operation(String path, String method, JsonNode node) {

        String pointer() {
            return "/paths/" + escape(path) + "/" + method;
        }
    }

    OpenApiContract(String json) {
        this.document = MAPPER.readTree(json);
        this.schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemas(Map.of(BASE, json)));
        document.path("paths").propertyNames().forEach(template -> paths.add(new Path(template,
                Pattern.compile(PARAMETER.matcher(Pattern.quote(template)).replaceAll(
                        m -> "\\\\E[^/]+\\\\Q") + "/?"), count(template))));
        // a literal path wins over a template that also matches it, as the router does
        paths.sort(Comparator.comparingInt(Path::parameters));
    }

    private static OpenApiContract load() {
        try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath");
            }
            return new OpenApiContract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode document() {
        return document;
    }

    /** The operation that serves {@code method} on this raw request path, if the document lists one. */
    Optional<Operation> find(String method, String rawPath) {
        String lower = method.toLowerCase(Locale.ROOT);
        for (Path path : paths) {
            JsonNode item = document.path("paths").path(path.template());
            if (path.pattern().matcher(rawPath).matches() && item.has(lower)) {
                return Optional.of(new Operation(path.template(), lower, item.get(lower)));
            }
        }
        return Optional.empty();
    }

    /**
     * What does not fit the document in this exchange (empty when everything does, or when the document lists no such
     * operation). {@code requestBody} may be null when no body was sent or it is not known.
     */
    List<String> problems(String method, String rawPath, String requestContentType, byte[] requestBody, int status,
            HttpHeaders headers, String body) {
        Optional<Operation> found = find(method, rawPath);
        if (found.isEmpty()) {
            return List.of();
        }
        Operation operation = found.get();
        String what = method + " " + rawPath + " (" + operation.path() + ") answered " + status;
        List<String> problems = new ArrayList<>();
        JsonNode responses = operation.node().path("responses");
        String key = Integer.toString(status);
        if (!responses.has(key)) {
            problems.add(what + ", a status the document does not list there: add it to " + RESOURCE
                    + " with its body, or change the route");
            return problems;
        }
        String pointer = operation.pointer() + "/responses/" + key;
        JsonNode response = responses.get(key);
        if (response.has("$ref")) {
            pointer = response.get("$ref").asString().substring(1);
            response = document.at(pointer);
        }
        checkHeaders(what, response, headers, problems);
        String mediaType = headers.firstValue("Content-Type").map(OpenApiContract::mediaType).orElse(null);
        problems.addAll(checkBody(what, pointer, response, mediaType, body));
        if (status / 100 == 2 && requestBody != null && operation.node().has("requestBody")
                && nothingRejected(body)) {
            problems.addAll(checkBody(method + " " + rawPath + " request body (accepted with " + status + ")",
                    operation.pointer() + "/requestBody", operation.node().get("requestBody"),
                    requestContentType == null ? null : mediaType(requestContentType),
                    new String(requestBody, StandardCharsets.UTF_8)));
        }
        return problems;
    }

    private void checkHeaders(String what, JsonNode response, HttpHeaders headers, List<String> problems) {
        response.path("headers").properties().forEach(header -> {
            Optional<String> value = headers.firstValue(header.getKey());
            if (value.isEmpty()) {
                problems.add(what + " without its documented header " + header.getKey());
            } else {
                JsonNode schema = header.getValue().path("schema");
                if (schema.has("const") && !schema.get("const").asString().equals(value.get())) {
                    problems.add(what + " with header " + header.getKey() + ": " + value.get() + ", the document says "
                            + schema.get("const").asString());
                }
            }
        });
    }

    /** Checks a body against the content a response or request body object describes. */
    private List<String> checkBody(String what, String pointer, JsonNode described, String mediaType, String body) {
        JsonNode content = described.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            return body == null || body.isEmpty() ? List.of()
                    : List.of(what + " with a body, where the document describes none: " + excerpt(body));
        }
        if (content.has(ANY)) {
            mediaType = ANY;
        } else if (mediaType == null || !content.has(mediaType)) {
            return List.of(what + " as " + mediaType + ", the document describes " + content.propertyNames());
        }
        JsonNode instance;
        if (mediaType.endsWith("json")) {
            try {
                // a byte order mark is skipped, as the server does
                instance = MAPPER.readTree(body.startsWith("\uFEFF") ? body.substring(1) : body);
            } catch (JacksonException e) {
                return List.of(what + " with a body that is not JSON (" + e.getOriginalMessage() + "): "
                        + excerpt(body));
            }
        } else {
            instance = StringNode.valueOf(body == null ? "" : body);
        }
        String schemaPointer = pointer + "/content/" + escape(mediaType) + "/schema";
        Schema schema = compiled.computeIfAbsent(schemaPointer,
                at -> schemas.getSchema(SchemaLocation.of(BASE + "#" + at)));
        List<Error> errors = schema.validate(instance,
                context -> context.executionConfig(config -> config.formatAssertionsEnabled(true)));
        List<String> problems = new ArrayList<>();
        for (Error error : errors) {
            problems.add(what + " does not fit " + schemaPointer + ": at " + error.getInstanceLocation() + ", "
                    + error.getKeyword() + " " + error.getSchemaNode() + " (" + error.getMessage() + "); body: "
                    + excerpt(body));
        }
        return problems;
    }

    /** Whether an answer reports no rejected item (a push answer lists them; items in it were not taken as sent). */
    private static boolean nothingRejected(String answer) {
        if (answer == null || !answer.startsWith("{")) {
            return true;
        }
        try {
            JsonNode rejected = MAPPER.readTree(answer).path("rejected");
            return rejected.isMissingNode() || rejected.isEmpty();
        } catch (JacksonException e) {
            return true;
        }
    }

    static String mediaType(String contentType) {
        return contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    }

    /** A JSON pointer's escaping of one reference token. */
    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static int count(String template) {
        return (int) PARAMETER.matcher(template).results().count();
    }

    private static String excerpt(String body) {
        if (body == null) {
            return "(none)";
        }
        return body.length() <= 300 ? body : body.substring(0, 300) + "...";
    }

    /** The bytes a request publisher sends (it may be subscribed again: the JDK's publishers start over). */
    static byte[] bytesOf(HttpRequest.BodyPublisher publisher) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                out.write(chunk, 0, chunk.length);
            }

            @Override
            public void onError(Throwable throwable) {
                done.completeExceptionally(throwable);
            }

            @Override
            public void onComplete() {
                done.complete(out.toByteArray());
            }
        });
        return done.orTimeout(10, TimeUnit.SECONDS).join();
    }

    /**
     * An HTTP client that holds every answer it receives as text to the document, and fails the call (an
     * {@link AssertionError} naming what differs) when one does not fit.
     */
    static HttpClient checking(HttpClient client) {
        return new Checking(client, DOCUMENT);
    }

    private static final class Checking extends HttpClient {

        private final HttpClient client;
        private final OpenApiContract contract;

        Checking(HttpClient client, OpenApiContract contract) {
            this.client = client;
            this.contract = contract;
        }

        @Override
        public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
                throws IOException, InterruptedException {
            HttpResponse<T> response = client.send(request, handler);
            if (response.body() instanceof String body) {
                boolean accepted = response.statusCode() / 100 == 2;
                byte[] sent = accepted ? request.bodyPublisher().filter(p -> p.contentLength() != 0)
                        .map(OpenApiContract::bytesOf).orElse(null) : null;
                List<String> problems = contract.problems(request.method(), request.uri().getRawPath(),
                        request.headers().firstValue("Content-Type").orElse(null), sent, response.statusCode(),
                        response.headers(), body);
                if (!problems.isEmpty()) {
                    throw new AssertionError("the answer does not fit the OpenAPI document:\n"
                            + String.join("\n", problems));
                }
            }
            return response;
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                HttpResponse.BodyHandler<T> handler) {
            return client.sendAsync(request, handler);
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
            return client.sendAsync(request, handler, push);
        }

        @Override
        public Optional<CookieHandler> cookieHandler() {
            return client.cookieHandler();
        }

        @Override
        public Optional<Duration> connectTimeout() {
            return client.connectTimeout();
        }

        @Override
        public Redirect followRedirects() {
            return client.followRedirects();
        }

        @Override
        public Optional<ProxySelector> proxy() {
            return client.proxy();
        }

        @Override
        public SSLContext sslContext() {
            return client.sslContext();
        }

        @Override
        public SSLParameters sslParameters() {
            return client.sslParameters();
        }

        @Override
        public Optional<Authenticator> authenticator() {
            return client.authenticator();
        }

        @Override
        public Version version() {
            return client.version();
        }

        @Override
        public Optional<Executor> executor() {
            return client.executor();
        }
    }
}
