package io.windowgate.it;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.windowgate.whatsapp.WebhookSignature;

/**
 * The outside contract of a running Windowgate, as the ITs and the benchmarks use it: CSV files in the drop folder,
 * CRM push, signed webhooks, the template registry, and the status, list and file progress APIs. Also makes the bulk test data (template notifications to valid US numbers).
 */
public final class WindowgateApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param token the bearer token of CRM push (crm.api-token) and of the operations API (admin.api-token) */
    public WindowgateApi(int serverPort, String token) {
        this.baseUrl = "http://127.0.0.1:" + serverPort;
        this.token = token;
    }

    /**
     * A recipient for row {@code i}: +1 415 555 0100 … 0199 and +1 212 555 0100 … 0199, 200 numbers in turn.
     * (valid numbers to libphonenumber, which the validator requires; 555-01xx are the numbers reserved for fiction.)
     */
    public static String recipient(int i) {
        int n = Math.floorMod(i, 200);
        return (n < 100 ? "+1415555" : "+1212555") + String.format("%04d", 100 + n % 100);
    }

    /** CSV text of template rows {@code id = prefix + i}, i in [from, to); header id,to,template,language,param1. */
    public static String templateCsv(String prefix, int from, int to) {
        StringBuilder csv = new StringBuilder((to - from) * 60 + 40).append("id,to,template,language,param1\n");
        for (int i = from; i < to; i++) {
            csv.append(prefix).append(i).append(',').append(recipient(i)).append(",order_shipped,en_US,").append(i)
                    .append('\n');
        }
        return csv.toString();
    }

    /** CRM push items {@code id = prefix + i} for i in [from, to), each a template notification. */
    public static ArrayNode templateItems(String prefix, int from, int to) {
        ArrayNode items = JSON.createArrayNode();
        for (int i = from; i < to; i++) {
            ObjectNode item = items.addObject().put("id", prefix + i).put("to", recipient(i));
            item.putObject("template").put("name", "order_shipped").put("language", "en_US").putArray("params")
                    .add(Integer.toString(i));
        }
        return items;
    }

    /** Writes {@code dropDir/name.tmp} completely, for {@link #publish} to rename it into the drop folder. */
    public static Path stage(Path dropDir, String name, String content) throws IOException {
        Files.createDirectories(dropDir);
        return Files.writeString(dropDir.resolve(name + ".tmp"), content, StandardCharsets.UTF_8);
    }

    /** Renames a staged {@code x.csv.tmp} to {@code x.csv} in one step: from now on the app may read it. */
    public static Path publish(Path staged) throws IOException {
        String name = staged.getFileName().toString();
        return Files.move(staged, staged.resolveSibling(name.substring(0, name.length() - ".tmp".length())),
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** POST /api/notifications with a JSON array; returns the 202 answer (fails on any other status). */
    public JsonNode push(ArrayNode items) throws IOException, InterruptedException {
        HttpRequest post = HttpRequest.newBuilder(URI.create(baseUrl + "/api/notifications"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(items))).build();
        HttpResponse<String> answer = http.send(post, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 202) {
            throw new IllegalStateException("CRM push answered " + answer.statusCode() + ": " + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    /** POST /api/templates (operations API) with a Graph API message_templates export; fails unless 200. */
    public JsonNode loadTemplates(byte[] json) throws IOException, InterruptedException {
        HttpRequest post = HttpRequest.newBuilder(URI.create(baseUrl + "/api/templates"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
        HttpResponse<String> answer = http.send(post, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("POST /api/templates answered " + answer.statusCode() + ": "
                    + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    /**
     * POST /webhooks/whatsapp, signed with {@code appSecret} the way Meta signs (X-Hub-Signature-256); fails unless
     * the app answers 200.
     */
    public void webhook(byte[] body, String appSecret) throws IOException, InterruptedException {
        HttpRequest post = HttpRequest.newBuilder(URI.create(baseUrl + "/webhooks/whatsapp"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", WebhookSignature.sign(appSecret, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> answer = http.send(post, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("POST /webhooks/whatsapp answered " + answer.statusCode() + ": "
                    + answer.body());
        }
    }

    /** GET /api/files/{name}: the newest run of a bulk file (status, rowsRead, sent, held, ...), or null (404). */
    public JsonNode fileProgress(String name) throws IOException, InterruptedException {
        HttpResponse<String> answer = get("/api/files/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
        if (answer.statusCode() == 404) {
            return null;
        }
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET /api/files/" + name + " answered " + answer.statusCode() + ": "
                    + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    /** The ids listed in a CRM push answer's "accepted" array. */
    public static List<String> accepted(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.path("accepted").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    /** First page of GET /api/notifications?status=STATUS&limit=LIMIT (operations API): the "items" array. */
    public JsonNode list(String status, int limit) throws IOException, InterruptedException {
        return getJson("/api/notifications?status=" + URLEncoder.encode(status, StandardCharsets.UTF_8) + "&limit="
                + limit).path("items");
    }

    /** GET /api/notifications/{id}: its "status", or null for an unknown id. */
    public String statusOf(String id) throws IOException, InterruptedException {
        String json = notification(id);
        return json == null ? null : JSON.readTree(json).path("status").asText(null);
    }

    /** GET /api/notifications/{id}: the JSON as the app wrote it, or null for an unknown id (404). */
    public String notification(String id) throws IOException, InterruptedException {
        HttpResponse<String> answer = get("/api/notifications/" + URLEncoder.encode(id, StandardCharsets.UTF_8));
        return answer.statusCode() == 404 ? null : answer.body();
    }

    /** GET /api/windows/{to}: whether the customer's window on any business number is OPEN. */
    public boolean windowOpen(String to) throws IOException, InterruptedException {
        for (JsonNode window : getJson("/api/windows/" + URLEncoder.encode(to, StandardCharsets.UTF_8))
                .path("windows")) {
            if ("OPEN".equals(window.path("state").asText())) {
                return true;
            }
        }
        return false;
    }

    private JsonNode getJson(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> answer = get(pathAndQuery);
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET " + pathAndQuery + " answered " + answer.statusCode() + ": "
                    + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET().build();
        return http.send(get, HttpResponse.BodyHandlers.ofString());
    }
}
