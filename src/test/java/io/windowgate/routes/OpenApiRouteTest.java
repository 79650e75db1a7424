package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.whatsapp.WebhookSignature;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document as a client meets it: served at /api/openapi.json without a token, and every operation in it
 * called without a token, with a wrong one and with each scope's token, each answer held to the document's schemas
 * (the checking client of {@link RouteTestSupport}), the scopes as the document names them, and phone numbers in full
 * only for the admin token.
 */
class OpenApiRouteTest extends RouteTestSupport {

    private static final String CRM = "openapi-crm-token";
    private static final String READ = "openapi-read-token";
    private static final String PHONE = "+14155550100";
    private static final Pattern PARAMETER = Pattern.compile("\\{([^/}]+)}");
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Path parameter values, by name. */
    private static final Map<String, String> PARAMETERS = Map.of("id", "oa-1", "to", PHONE, "name", "oa.csv",
            "phone", PHONE, "phoneNumberId", "sandbox-phone-number", "file", "console.js");

    /** A query the operation needs to succeed, by operationId. */
    private static final Map<String, String> QUERIES = Map.of(
            "verifyWebhook", "?hub.mode=subscribe&hub.verify_token=" + VERIFY_TOKEN + "&hub.challenge=4711",
            "pauseSending", "?duration=PT5M",
            "listNotifications", "?status=QUEUED&limit=5");

    /** A request body the operation accepts, by operationId. */
    private static final Map<String, String> BODIES = Map.of(
            "pushNotifications", "{\"id\": \"oa-1\", \"to\": \"" + PHONE + "\", \"text\": \"hi\"}",
            "retryNotifications", "{\"ids\": [\"oa-1\", \"oa-unknown\"]}",
            "retryCallbackEvents", "{\"status\": \"FAILED\"}",
            "loadTemplates", "{\"data\": [{\"name\": \"oa_template\", \"language\": \"en_US\", \"status\": "
                    + "\"APPROVED\", \"category\": \"UTILITY\", \"components\": [{\"type\": \"BODY\", \"text\": "
                    + "\"Hello {{1}}\"}]}]}",
            "recordOptIn", "{\"to\": \"" + PHONE + "\", \"source\": \"web-form\", \"evidence\": \"ticked\"}",
            "previewFile", "id,to,text\noa-preview-1," + PHONE + ",hello\n",
            "sandboxCustomerWrites", "hello",
            "sandboxSend", "{\"messaging_product\": \"whatsapp\", \"to\": \"14155550100\", \"type\": \"text\", "
                    + "\"text\": {\"body\": \"hi\"}}");

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        // sandbox mode, so the sandbox's paths are served too; a token for every scope
        p.setProperty("whatsapp.access-token", "");
        p.setProperty("crm.api-token", CRM);
        p.setProperty("api.read-token", READ);
        return p;
    }

    @Test
    void theDocumentIsServedWithoutATokenExactlyAsCheckedIn() throws Exception {
        HttpResponse<String> answer = get("/api/openapi.json", null);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(OpenApiContract.RESOURCE)) {
            assertThat(json.readTree(answer.body())).isEqualTo(json.readTree(in));
        }
        assertThat(json.readTree(answer.body()).path("openapi").asText()).startsWith("3.1");
        assertThat(get("/api/openapi.json", "wrong-token").statusCode()).isEqualTo(200);
        // exactly this path is public: its neighbours still want a token
        for (String path : new String[] {"/api/openapi.jsonx", "/api/openapi-json", "/api/openapi"}) {
            assertThat(get(path, null).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(call("POST", "/api/openapi.json", null, "{}", "application/json").statusCode()).isEqualTo(405);
    }

    @Test
    void everyOperationAnswersEveryCallerAsTheDocumentSays() throws Exception {
        // something to read: a notification, a file run, a template
        assertThat(postJson("/api/notifications", CRM, BODIES.get("pushNotifications")).statusCode()).isEqualTo(202);
        drop("oa.csv", "id,to,text\noa-csv-1," + PHONE + ",hello\n");
        await().atMost(WAIT).until(() -> get("/api/files/oa.csv").statusCode() == 200);

        Map<String, String> callers = new LinkedHashMap<>();
        callers.put("none", null);
        callers.put("wrong", "not-a-configured-token");
        callers.put("crm", CRM);
        callers.put("read", READ);
        callers.put("admin", ADMIN_TOKEN);
        List<String> problems = new ArrayList<>();
        Set<String> succeeded = new TreeSet<>();
        Set<String> operations = new TreeSet<>();
        JsonNode paths = json.readTree(OpenApiContract.DOCUMENT.document().path("paths").toString());
        for (Map.Entry<String, JsonNode> path : paths.properties()) {
            for (Map.Entry<String, JsonNode> method : path.getValue().properties()) {
                JsonNode operation = method.getValue();
                String id = operation.path("operationId").asText();
                operations.add(id);
                Set<String> scopes = new TreeSet<>();
                operation.path("x-windowgate-scopes").forEach(scope -> scopes.add(scope.asText()));
                for (Map.Entry<String, String> caller : callers.entrySet()) {
                    HttpResponse<String> answer = call(method.getKey().toUpperCase(), url(path.getKey(), id),
                            caller.getValue(), BODIES.get(id), contentType(operation));
                    int status = answer.statusCode();
                    String what = method.getKey().toUpperCase() + " " + path.getKey() + " as " + caller.getKey()
                            + " answered " + status;
                    boolean allowed = scopes.isEmpty() || scopes.contains(caller.getKey());
                    boolean anonymous = caller.getKey().equals("none") || caller.getKey().equals("wrong");
                    if (!scopes.isEmpty() && anonymous) {
                        expect(problems, what, status == 401);
                    } else if (!allowed) {
                        expect(problems, what, status == 403);
                    } else {
                        expect(problems, what, status != 401 && status != 403 && status < 500);
                    }
                    if (status / 100 == 2) {
                        succeeded.add(id);
                    }
                    if (path.getKey().startsWith("/api/") && !caller.getKey().equals("admin")
                            && answer.body().contains(PHONE.substring(1))) {
                        problems.add(what + " with a phone number in full: " + answer.body());
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(operations).hasSizeGreaterThan(15);
        assertThat(succeeded).as("operations answered with success by a caller allowed to call them")
                .isEqualTo(operations);
    }

    private static void expect(List<String> problems, String what, boolean fits) {
        if (!fits) {
            problems.add(what);
        }
    }

    private String url(String template, String operationId) {
        Matcher parameter = PARAMETER.matcher(template);
        String path = parameter.replaceAll(m -> Matcher.quoteReplacement(PARAMETERS.get(m.group(1))));
        return path + QUERIES.getOrDefault(operationId, "");
    }

    private static String contentType(JsonNode operation) {
        JsonNode content = operation.path("requestBody").path("content");
        if (content.isEmpty()) {
            return null;
        }
        // a body read as text whatever its type: sent as text
        String type = content.fieldNames().next();
        return type.equals("*/*") ? "text/plain" : type;
    }

    private HttpResponse<String> call(String method, String pathAndQuery, String token, String body,
            String contentType) throws Exception {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (pathAndQuery.equals("/webhooks/whatsapp") && method.equals("POST")) {
            return postSignedWebhook(inboundMessages(PHONE.substring(1), minutesAgo(1)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
