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

    private final ProviderErrors errors = new ProviderErrors();

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

    @Test
    void windowClosedErrorIsNotTransient() throws IOException {
        assertThat(errors.isTransient(http(400, "Bad Request", fixture("wa-error-131047.json")))).isFalse();
    }

    @Test
    void fromExceptionReadsAnHttpFailureLikeFromHttp() throws IOException {
        HttpOperationFailedException http = http(400, "Bad Request", fixture("wa-error-131047.json"));
        assertThat(errors.fromException(http)).isEqualTo(errors.fromHttp(http));
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504, 429})
    void serverErrorsAndTooManyRequestsAreTransient(int status) {
        assertThat(errors.isTransient(http(status, "Busy", null))).isTrue();
        assertThat(errors.isTransient(http(status, "Busy", cloudError(131026, "Message undeliverable")))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {131000, 130429, 131016, 131056, 4, 80007})
    void temporaryErrorCodesAreTransientEvenWithStatus400(int code) {
        HttpOperationFailedException http = http(400, "Bad Request", cloudError(code, "Try again later"));
        assertThat(errors.fromHttp(http).code()).isEqualTo(code);
        assertThat(errors.isTransient(http)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {131047, 132000, 132001, 131026, 100, 190})
    void permanentErrorCodesAreNotTransient(int code) {
        assertThat(errors.isTransient(http(400, "Bad Request", cloudError(code, "Nope")))).isFalse();
    }

    @Test
    void gatewayHtmlPageIsTransientAndHasNoCode() {
        HttpOperationFailedException http = http(502, "Bad Gateway",
                "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>");
        assertThat(errors.isTransient(http)).isTrue();
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
            assertThat(errors.isTransient(http(400, "Bad Request", body))).as("transient for %s", body).isFalse();
        }
    }

    @Test
    void networkFailuresAreTransient() {
        assertThat(errors.isTransient(new ConnectException("Connection refused"))).isTrue();
        assertThat(errors.isTransient(new SocketTimeoutException("Read timed out"))).isTrue();
    }

    @Test
    void programmingErrorsAreNotTransient() {
        assertThat(errors.isTransient(new IllegalStateException("bug"))).isFalse();
        assertThat(errors.isTransient(new IllegalArgumentException("bug"))).isFalse();
    }

    @Test
    void fromExceptionDescribesATransportProblem() {
        ProviderError error = errors.fromException(new ConnectException("Connection refused"));
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
