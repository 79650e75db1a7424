package io.windowgate.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading and classifying Cloud API errors by code (whatsapp-platform.md section 1.4). */
class ProviderErrorsTest {

    private static final String URI = "https://graph.facebook.com/v22.0/106540352242922/messages";
    private static final String DETAILS_131047 = "Message failed to send because more than 24 hours have passed "
            + "since the customer last replied to this number.";

    private final ProviderErrors errors = new ProviderErrors(java.time.Clock.systemUTC());

    private static String fixture(String name) throws IOException {
        try (InputStream in = ProviderErrorsTest.class.getResourceAsStream("/fixtures/" + name)) {
            assertThat(in).as("fixture " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static HttpOperationFailedException http(int status, String statusText, String body) {
        return new HttpOperationFailedException(URI, status, statusText, null,
                Map.of("Content-Type", "application/json"), body);
    }

    private static String cloudError(int code, String message) {
        return "{\"error\":{\"message\":\"(#" + code + ") " + message + "\",\"type\":\"OAuthException\",\"code\":" + code
                + ",\"error_data\":{\"messaging_product\":\"whatsapp\",\"details\":\"" + message + " details\"},"
                + "\"fbtrace_id\":\"AbC123\"}}";
    }

    @Test
    void windowClosedErrorIsReadFromTheRealCloudApiAnswer() throws IOException {
        ProviderError error = errors.fromHttp(http(400, "Bad Request", fixture("wa-error-131047.json")));
        assertThat(error.httpStatus()).isEqualTo(400);
        assertThat(error.code()).isEqualTo(131047);
        assertThat(error.title()).isEqualTo("(#131047) Re-engagement message");
        assertThat(error.details()).isEqualTo(DETAILS_131047);
        assertThat(error.windowClosed()).isTrue();
        assertThat(error.describe()).startsWith("error 131047").contains("Re-engagement message")
                .endsWith(": " + DETAILS_131047);
    }

    private ErrorClass classOf(Exception exception) {
        return errors.classify(exception).errorClass();
    }

    @Test
    void windowClosedErrorReRoutes() throws IOException {
        assertThat(classOf(http(400, "Bad Request", fixture("wa-error-131047.json")))).isEqualTo(ErrorClass.REROUTE);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 131000, 131016, 131057, 133004})
    void temporaryErrorCodesAreRetriedEvenWithStatus400(int code) {
        HttpOperationFailedException http = http(400, "Bad Request", cloudError(code, "Try again later"));
        assertThat(errors.fromHttp(http).code()).isEqualTo(code);
        assertThat(classOf(http)).isEqualTo(ErrorClass.RETRY);
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 80007, 130429})
    void throughputErrorCodesAreThrottling(int code) {
        assertThat(classOf(http(400, "Bad Request", cloudError(code, "Rate limit hit")))).isEqualTo(ErrorClass.THROTTLED);
    }

    @Test
    void pairRateLimitDelaysOnlyThatRecipient() {
        assertThat(classOf(http(400, "Bad Request", cloudError(131056, "Pair rate limit hit"))))
                .isEqualTo(ErrorClass.PAIR_RATE);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 10, 190, 368, 131031, 131042, 131048, 133010})
    void accountLevelErrorCodesPauseSending(int code) {
        assertThat(classOf(http(400, "Bad Request", cloudError(code, "Account problem")))).isEqualTo(ErrorClass.ACCOUNT);
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 131008, 131009, 131021, 131026, 131049, 131050, 131051, 131052, 131053, 130472, 132000,
            132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069})
    void permanentErrorCodesFail(int code) {
        assertThat(classOf(http(400, "Bad Request", cloudError(code, "Nope")))).isEqualTo(ErrorClass.PERMANENT);
    }

    @Test
    void everyCodeHasExactlyOneClass() {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (ErrorClass c : ErrorClass.values()) {
            for (int code : c.codes()) {
                assertThat(seen.add(code)).as("code %d listed twice", code).isTrue();
            }
        }
        assertThat(seen).hasSizeGreaterThan(35);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorsWithoutACodeAreRetried(int status) {
        assertThat(classOf(http(status, "Busy", null))).isEqualTo(ErrorClass.RETRY);
    }

    @Test
    void theCodeWinsOverTheHttpStatus() {
        assertThat(classOf(http(500, "Busy", cloudError(131026, "Message undeliverable")))).isEqualTo(ErrorClass.PERMANENT);
        assertThat(classOf(http(400, "Bad Request", cloudError(190, "Token expired")))).isEqualTo(ErrorClass.ACCOUNT);
    }

    @Test
    void statusesWithoutAKnownCode() {
        assertThat(classOf(http(429, "Too Many Requests", null))).isEqualTo(ErrorClass.THROTTLED);
        assertThat(classOf(http(401, "Unauthorized", null))).isEqualTo(ErrorClass.ACCOUNT);
        assertThat(classOf(http(403, "Forbidden", "<html>no</html>"))).isEqualTo(ErrorClass.ACCOUNT);
        assertThat(classOf(http(400, "Bad Request", cloudError(999999, "New code")))).isEqualTo(ErrorClass.PERMANENT);
        assertThat(ErrorClass.of(new ProviderError(0, 999999, "webhook", null))).isEqualTo(ErrorClass.PERMANENT);
    }

    @Test
    void retryAfterIsReadInSecondsOrAsADate() {
        HttpOperationFailedException seconds = new HttpOperationFailedException(URI, 429, "Too Many Requests", null,
                Map.of("retry-after", "7"), cloudError(130429, "Rate limit hit"));
        assertThat(errors.classify(seconds).retryAfter()).isEqualTo(java.time.Duration.ofSeconds(7));
        HttpOperationFailedException none = http(429, "Too Many Requests", null);
        assertThat(errors.classify(none).retryAfter()).isNull();
        String inAMinute = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(60));
        HttpOperationFailedException date = new HttpOperationFailedException(URI, 429, "Too Many Requests", null,
                Map.of("Retry-After", inAMinute), null);
        assertThat(errors.classify(date).retryAfter()).isBetween(java.time.Duration.ofSeconds(55),
                java.time.Duration.ofSeconds(60));
    }

    @Test
    void gatewayHtmlPageIsRetriedAndHasNoCode() {
        HttpOperationFailedException http = http(502, "Bad Gateway",
                "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>");
        assertThat(classOf(http)).isEqualTo(ErrorClass.RETRY);
        ProviderError error = errors.fromHttp(http);
        assertThat(error.code()).isNull();
        assertThat(error.httpStatus()).isEqualTo(502);
        assertThat(error.title()).isEqualTo("Bad Gateway");
        assertThat(error.windowClosed()).isFalse();
        assertThat(error.describe()).isEqualTo("HTTP 502 (Bad Gateway)");
    }

    @Test
    void answerWithoutACloudApiErrorObjectFallsBackToTheHttpStatus() {
        for (String body : new String[] {null, "", "  ", "{\"message\":\"nope\"}", "[]", "null", "42", "{\"error\":\"x\"}"}) {
            ProviderError error = errors.fromHttp(http(400, "Bad Request", body));
            assertThat(error.code()).as("code for body %s", body).isNull();
            assertThat(error.title()).isEqualTo("Bad Request");
            assertThat(classOf(http(400, "Bad Request", body))).as("class for %s", body).isEqualTo(ErrorClass.PERMANENT);
        }
    }

    @Test
    void aConnectionThatNeverOpenedIsRetriedButATimeoutAfterSendingHasAnUnknownOutcome() {
        assertThat(classOf(new ConnectException("Connection refused"))).isEqualTo(ErrorClass.RETRY);
        assertThat(classOf(new org.apache.hc.client5.http.ConnectTimeoutException("connect timed out")))
                .isEqualTo(ErrorClass.RETRY);
        assertThat(classOf(new java.net.UnknownHostException("graph.facebook.com"))).isEqualTo(ErrorClass.RETRY);
        assertThat(classOf(new SocketTimeoutException("Read timed out"))).isEqualTo(ErrorClass.UNKNOWN_OUTCOME);
        assertThat(classOf(new java.net.SocketException("Connection reset"))).isEqualTo(ErrorClass.UNKNOWN_OUTCOME);
        assertThat(classOf(new IOException("wrapped", new ConnectException("refused")))).isEqualTo(ErrorClass.RETRY);
    }

    @Test
    void aDatabaseFailureIsNeverClassifiedAsTheProvidersEvenWithATransportCause() {
        // as the pool throws it while PostgreSQL is down: the driver's refused connection as the cause
        Exception database = new RuntimeException("Failed to invoke method: sent",
                new java.sql.SQLTransientConnectionException("windowgate-db - Connection is not available", "08001",
                        new java.sql.SQLException("Connection to localhost:5432 refused", "08001",
                                new ConnectException("Connection refused"))));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> errors.classify(database))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a provider failure");
    }

    @Test
    void aTransportProblemIsDescribedWithoutACode() {
        ProviderError error = errors.classify(new ConnectException("Connection refused")).error();
        assertThat(error.httpStatus()).isZero();
        assertThat(error.code()).isNull();
        assertThat(error.title()).isEqualTo("ConnectException");
        assertThat(error.details()).isEqualTo("Connection refused");
        assertThat(error.describe()).isEqualTo("HTTP 0 (ConnectException): Connection refused");
    }

    @Test
    void fromErrorObjectReadsAFailedStatusWebhookError() throws IOException {
        JsonNode webhook = new ObjectMapper().readTree(fixture("wa-status-failed-131047.json"));
        JsonNode status = webhook.at("/entry/0/changes/0/value/statuses/0");
        assertThat(status.path("status").asText()).isEqualTo("failed");
        ProviderError error = ProviderErrors.fromErrorObject(0, status.path("errors").get(0));
        assertThat(error.code()).isEqualTo(131047);
        assertThat(error.title()).isEqualTo("Re-engagement message");
        assertThat(error.details()).isEqualTo(DETAILS_131047);
        assertThat(error.windowClosed()).isTrue();
        assertThat(error.describe()).isEqualTo("error 131047 (Re-engagement message): " + DETAILS_131047);
    }

    @Test
    void fromErrorObjectToleratesMissingFields() throws IOException {
        ProviderError error = ProviderErrors.fromErrorObject(0, new ObjectMapper().readTree("{\"code\":131026}"));
        assertThat(error.code()).isEqualTo(131026);
        assertThat(error.title()).isNull();
        assertThat(error.details()).isNull();
        assertThat(error.windowClosed()).isFalse();
        assertThat(error.describe()).isEqualTo("error 131026");
    }
}
