package io.windowgate.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/** X-Hub-Signature-256 validation and the hub.verify_token handshake (whatsapp-platform.md section 5). */
class WebhookSignatureTest {

    private static final String SECRET = "app-secret-0123456789";
    private static final byte[] BODY = ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\","
            + "\"changes\":[{\"field\":\"messages\",\"value\":{\"messages\":[{\"text\":{\"body\":\"Olá 👋\"}}]}}]}]}")
            .getBytes(StandardCharsets.UTF_8);

    private final WebhookSignature signature = new WebhookSignature(SECRET, "verify-me");

    /** HMAC-SHA256 computed here, independently of the class under test. */
    private static String expectedHeader(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void publishedRfc4231VectorValidates() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        byte[] data = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);
        String header = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assertThat(new WebhookSignature("Jefe", null).isValid(data, header)).isTrue();
        assertThat(WebhookSignature.sign("Jefe", data)).isEqualTo(header);
    }

    @Test
    void independentlyComputedSignatureValidates() throws Exception {
        assertThat(signature.isValid(BODY, expectedHeader(SECRET, BODY))).isTrue();
    }

    @Test
    void oneFlippedByteFails() throws Exception {
        String header = expectedHeader(SECRET, BODY);
        for (int i : new int[] {0, BODY.length / 2, BODY.length - 1}) {
            byte[] tampered = BODY.clone();
            tampered[i] ^= 0x01;
            assertThat(signature.isValid(tampered, header)).as("byte %d flipped", i).isFalse();
        }
    }

    @Test
    void reserialisedBodyWithEscapedUnicodeFails() throws Exception {
        byte[] raw = "{\"t\":\"é\"}".getBytes(StandardCharsets.UTF_8);
        byte[] escaped = "{\"t\":\"\\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(signature.isValid(escaped, expectedHeader(SECRET, raw))).isFalse();
        assertThat(signature.isValid(raw, expectedHeader(SECRET, raw))).isTrue();
    }

    @Test
    void wrongSecretFails() throws Exception {
        assertThat(signature.isValid(BODY, expectedHeader("another-secret", BODY))).isFalse();
        assertThat(new WebhookSignature("another-secret", null).isValid(BODY, expectedHeader(SECRET, BODY))).isFalse();
    }

    @Test
    void missingOrMalformedHeaderFails() throws Exception {
        String good = expectedHeader(SECRET, BODY);
        String hex = good.substring("sha256=".length());
        assertThat(signature.isValid(BODY, null)).isFalse();
        assertThat(signature.isValid(BODY, "")).isFalse();
        assertThat(signature.isValid(BODY, "sha256=")).isFalse();
        assertThat(signature.isValid(BODY, hex)).as("hex without prefix").isFalse();
        assertThat(signature.isValid(BODY, "sha1=" + hex)).isFalse();
        assertThat(signature.isValid(BODY, good.substring(0, good.length() - 2))).as("truncated").isFalse();
        assertThat(signature.isValid(BODY, good + "00")).as("too long").isFalse();
    }

    @Test
    void nullBodyFails() throws Exception {
        assertThat(signature.isValid(null, expectedHeader(SECRET, new byte[0]))).isFalse();
    }

    @Test
    void emptyBodyCanBeSigned() throws Exception {
        assertThat(signature.isValid(new byte[0], expectedHeader(SECRET, new byte[0]))).isTrue();
    }

    @Test
    void uppercaseHexIsAccepted() throws Exception {
        String hex = expectedHeader(SECRET, BODY).substring("sha256=".length());
        assertThat(signature.isValid(BODY, "sha256=" + hex.toUpperCase(Locale.ROOT))).isTrue();
    }

    @Test
    void withoutAnAppSecretNothingIsValid() throws Exception {
        String header = expectedHeader(SECRET, BODY);
        assertThat(new WebhookSignature("", "verify-me").isValid(BODY, header)).isFalse();
        assertThat(new WebhookSignature(null, "verify-me").isValid(BODY, header)).isFalse();
    }

    @Test
    void handshakeWithTheRightModeAndTokenIsAllowed() {
        assertThat(signature.isHandshakeAllowed("subscribe", "verify-me")).isTrue();
    }

    @Test
    void handshakeWithAWrongTokenOrModeIsRefused() {
        assertThat(signature.isHandshakeAllowed("subscribe", "verify-you")).isFalse();
        assertThat(signature.isHandshakeAllowed("subscribe", "verify-me ")).isFalse();
        assertThat(signature.isHandshakeAllowed("subscribe", "")).isFalse();
        assertThat(signature.isHandshakeAllowed("subscribe", null)).isFalse();
        assertThat(signature.isHandshakeAllowed("unsubscribe", "verify-me")).isFalse();
        assertThat(signature.isHandshakeAllowed(null, "verify-me")).isFalse();
    }

    @Test
    void withoutAVerifyTokenNoHandshakeIsAllowed() {
        assertThat(new WebhookSignature(SECRET, "").isHandshakeAllowed("subscribe", "")).isFalse();
        assertThat(new WebhookSignature(SECRET, null).isHandshakeAllowed("subscribe", "")).isFalse();
        assertThat(new WebhookSignature(SECRET, null).isHandshakeAllowed("subscribe", null)).isFalse();
    }

    @Test
    void signProducesPrefixAndLowercaseHex() throws Exception {
        String header = WebhookSignature.sign(SECRET, BODY);
        assertThat(header).matches("sha256=[0-9a-f]{64}");
        assertThat(header).isEqualTo(expectedHeader(SECRET, BODY));
        assertThat(signature.isValid(BODY, header)).isTrue();
    }
}
