package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;

import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.junit.jupiter.api.Test;

/**
 * The one authentication step ahead of every /api/* route: tokens by scope, several per scope, 401 and 403 that reveal
 * nothing, and plain answers to malformed credentials and paths.
 */
class ApiAuthenticationRouteTest extends RouteTestSupport {

    private static final String OLD_ADMIN = "old-admin-token";
    private static final String CRM = "crm-scope-token";
    private static final String READ = "read-scope-token";
    private static final String NEW_READ = "new-read-scope-token";
    private static final String PUSH = "{\"id\": \"auth-1\", \"to\": \"+14155550100\", \"text\": \"hi\"}";
    private static final String CHALLENGE = "Bearer realm=\"windowgate\"";

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        // two tokens per scope, as while one is rotated; spaces around the commas are not part of a token
        p.setProperty("admin.api-token", OLD_ADMIN + ", " + ADMIN_TOKEN);
        p.setProperty("crm.api-token", CRM);
        p.setProperty("api.read-token", READ + " ," + NEW_READ);
        return p;
    }

    private HttpResponse<String> call(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .method(method, "POST".equals(method) ? HttpRequest.BodyPublishers.ofString(PUSH)
                        : HttpRequest.BodyPublishers.noBody())
                .header("Content-Type", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> answer, String what) {
        assertThat(answer.statusCode()).as(what).isEqualTo(401);
        assertThat(answer.headers().allValues("WWW-Authenticate")).as(what).containsExactly(CHALLENGE);
        assertThat(answer.headers().firstValue("Content-Type")).as(what).hasValue("application/json");
        assertThat(answer.body()).as(what).contains("bearer token")
                .doesNotContain(ADMIN_TOKEN, OLD_ADMIN, CRM, READ, "api-token", "Exception");
    }

    @Test
    void everyApiRouteWantsAToken() throws Exception {
        for (String[] call : new String[][] {{"GET", "/api/notifications/x"}, {"GET", "/api/notifications?status=FAILED"},
                {"POST", "/api/notifications"}, {"POST", "/api/notifications/retry"}, {"POST", "/api/notifications/x/retry"},
                {"GET", "/api/files"}, {"GET", "/api/files/x.csv"}, {"GET", "/api/rejections"}, {"GET", "/api/usage"},
                {"GET", "/api/templates"}, {"POST", "/api/templates"}, {"GET", "/api/sending"},
                {"POST", "/api/sending/resume"}, {"POST", "/api/sending/pause"}, {"POST", "/api/consents"},
                {"GET", "/api/consents/+14155550100"}, {"GET", "/api/no-such-api"}, {"DELETE", "/api/sending"}}) {
            assertRefused(call(call[0], call[1], null), call[0] + " " + call[1]);
        }
        assertThat(statusOf("auth-1")).isNull();
    }

    @Test
    void malformedCredentialsAre401AndSayNothingMore() throws Exception {
        for (String authorization : new String[] {"", "Bearer", "Bearer ", "Basic " + ADMIN_TOKEN,
                "Basic YWRtaW46" + ADMIN_TOKEN, "Token " + ADMIN_TOKEN, ADMIN_TOKEN, "Bearer wrong",
                "Bearer " + ADMIN_TOKEN + "x", "Bearer " + ADMIN_TOKEN.substring(1), "Bearer " + ADMIN_TOKEN + " x",
                "Bearer " + OLD_ADMIN + "," + ADMIN_TOKEN, "Bearer " + OLD_ADMIN + ", " + ADMIN_TOKEN}) {
            assertRefused(call("GET", "/api/sending", authorization), "'" + authorization + "'");
        }
    }

    @Test
    void theSchemeIsCaseInsensitiveAndSpaceAroundTheTokenIsNotPartOfIt() throws Exception {
        // RFC 7235: the auth-scheme is case-insensitive; HTTP strips whitespace around a header value
        assertThat(call("GET", "/api/sending", "bearer " + ADMIN_TOKEN).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/sending", "BEARER " + ADMIN_TOKEN).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/sending", "Bearer " + ADMIN_TOKEN + "   ").statusCode()).isEqualTo(200);
    }

    @Test
    void everyTokenOfAScopeIsGoodWhileOneIsRotated() throws Exception {
        assertThat(call("GET", "/api/sending", "Bearer " + OLD_ADMIN).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/sending", "Bearer " + ADMIN_TOKEN).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/files", "Bearer " + READ).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/files", "Bearer " + NEW_READ).statusCode()).isEqualTo(200);
    }

    @Test
    void theReadTokenReadsTheViewsAndNothingElse() throws Exception {
        String read = "Bearer " + READ;
        for (String path : List.of("/api/files", "/api/rejections", "/api/usage", "/api/templates")) {
            assertThat(call("GET", path, read).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(call("GET", "/api/notifications/unknown", read).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/files/unknown.csv", read).statusCode()).isEqualTo(404);
        for (String[] call : new String[][] {{"POST", "/api/notifications"}, {"GET", "/api/notifications?status=FAILED"},
                {"POST", "/api/notifications/retry"}, {"POST", "/api/templates"}, {"GET", "/api/sending"},
                {"POST", "/api/sending/pause"}, {"GET", "/api/consents/+14155550100"}, {"DELETE", "/api/files"}}) {
            HttpResponse<String> answer = call(call[0], call[1], read);
            assertThat(answer.statusCode()).as(call[0] + " " + call[1]).isEqualTo(403);
            assertThat(answer.headers().firstValue("WWW-Authenticate")).isEmpty();
            assertThat(answer.body()).doesNotContain(READ, ADMIN_TOKEN, "Exception");
        }
        assertThat(statusOf("auth-1")).isNull();
    }

    @Test
    void theCrmTokenPushesAndReadsNotificationsOnly() throws Exception {
        String crm = "Bearer " + CRM;
        assertThat(call("POST", "/api/notifications", crm).statusCode()).isEqualTo(202);
        assertThat(call("GET", "/api/notifications/auth-1", crm).statusCode()).isEqualTo(200);
        for (String[] call : new String[][] {{"GET", "/api/notifications?status=FAILED"}, {"GET", "/api/files"},
                {"POST", "/api/notifications/auth-1/retry"}, {"GET", "/api/sending"}, {"GET", "/api/templates"}}) {
            assertThat(call(call[0], call[1], crm).statusCode()).as(call[0] + " " + call[1]).isEqualTo(403);
        }
    }

    @Test
    void onlyTheAdminSeesPhoneNumbersInFull() throws Exception {
        assertThat(call("POST", "/api/notifications", "Bearer " + CRM).statusCode()).isEqualTo(202);
        assertThat(json.readTree(call("GET", "/api/notifications/auth-1", "Bearer " + ADMIN_TOKEN).body()).path("to")
                .asText()).isEqualTo("+14155550100");
        for (String token : new String[] {CRM, READ}) {
            String answer = call("GET", "/api/notifications/auth-1", "Bearer " + token).body();
            assertThat(json.readTree(answer).path("to").asText()).as(token).isEqualTo("+14*******00");
            assertThat(answer).as(token).doesNotContain("4155550100");
        }
    }

    @Test
    void aTenKilobyteAuthorizationHeaderIsRefusedPlainly() throws Exception {
        // java.net.http refuses to send a header this long, so it is written by hand
        String head = "GET /api/sending HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + "a".repeat(10 * 1024)
                + "\r\nConnection: close\r\n\r\n";
        String answer;
        try (Socket socket = new Socket("localhost", serverPort)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertThat(answer).startsWith("HTTP/1.1 431").doesNotContain("aaaaaaaa", "Exception", "at io.");
        assertThat(call("GET", "/api/sending", "Bearer " + ADMIN_TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void pathsWithDotSegmentsOrEncodedSlashesAre400() throws Exception {
        for (String path : new String[] {"/api/notifications/../sending", "/api/files/..", "/api/./sending",
                "/api/files/a%2Fb", "/api/files/a%2fb", "/api/files/a%5Cb", "/api/files/%2e%2e", "/api/files/%2E",
                "/sandbox/../api/sending", "/webhooks/whatsapp/../../api/sending"}) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base() + path))
                    .header("Authorization", "Bearer " + ADMIN_TOKEN).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(path).isEqualTo(400);
            assertThat(json.readTree(answer.body()).path("error").asText()).as(path).contains("segments");
            assertThat(answer.headers().firstValue("Cache-Control")).as(path).hasValue("no-store");
        }
    }

    @Test
    void aMethodNotServedIs405() throws Exception {
        String admin = "Bearer " + ADMIN_TOKEN;
        for (String[] call : new String[][] {{"DELETE", "/api/sending"}, {"PUT", "/api/notifications/x"},
                {"PATCH", "/api/files"}, {"DELETE", "/api/templates"}, {"GET", "/api/sending/resume"}}) {
            HttpResponse<String> answer = call(call[0], call[1], admin);
            assertThat(answer.statusCode()).as(call[0] + " " + call[1]).isEqualTo(405);
            assertThat(answer.body()).doesNotContain("Exception");
        }
        assertThat(call("GET", "/api/no-such-api", admin).statusCode()).isEqualTo(404);
    }

    @Test
    void everyAnswerForbidsCachingAndSniffing() throws Exception {
        for (HttpResponse<String> answer : List.of(call("GET", "/api/sending", "Bearer " + ADMIN_TOKEN),
                call("GET", "/api/sending", null), call("GET", "/api/sending", "Bearer " + READ),
                call("GET", "/api/notifications/unknown", "Bearer " + READ),
                call("DELETE", "/api/sending", "Bearer " + ADMIN_TOKEN))) {
            assertThat(answer.headers().firstValue("Cache-Control")).as(answer.uri() + " " + answer.statusCode())
                    .hasValue("no-store");
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).as(answer.uri().toString())
                    .hasValue("nosniff");
        }
    }

    @Test
    void aFailingRouteAnswersWithoutItsStackTrace() {
        List<PlatformHttpEndpoint> endpoints = context.getEndpoints().stream()
                .filter(PlatformHttpEndpoint.class::isInstance).map(PlatformHttpEndpoint.class::cast).toList();
        assertThat(endpoints).isNotEmpty().allSatisfy(e -> assertThat(e.isMuteException()).as(e.getEndpointUri()).isTrue());
    }
}
