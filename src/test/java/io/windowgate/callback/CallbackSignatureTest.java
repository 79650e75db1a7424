package io.windowgate.callback;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** X-Windowgate-Signature: t and the HMAC of "t.body", checked within the replay window. */
class CallbackSignatureTest {

    private static final long T = 1_796_640_000L;
    private static final byte[] BODY = "{\"eventId\":\"e-1\",\"type\":\"notification.status\"}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void signsTheTimestampWithTheBody() {
        CallbackSignature signature = new CallbackSignature("s3cret");
        String header = signature.sign(T, BODY);

        // the receiver's computation, with the JDK's own HMAC
        assertThat(header).isEqualTo("t=1796640000,v1=" + hmacHex("s3cret", T + "." + new String(BODY,
                StandardCharsets.UTF_8)));
        assertThat(signature.isValid(header, BODY, T + 299)).isTrue();
    }

    @Test
    void aChangedBodyTimestampOrSecretOrAnOldEventFails() {
        CallbackSignature signature = new CallbackSignature("s3cret");
        String header = signature.sign(T, BODY);
        byte[] changed = BODY.clone();
        changed[3] ^= 1;

        assertThat(signature.isValid(header, changed, T)).isFalse();
        assertThat(signature.isValid(header.replace("t=" + T, "t=" + (T + 1)), BODY, T)).isFalse();
        assertThat(new CallbackSignature("other").isValid(header, BODY, T)).isFalse();
        assertThat(signature.isValid(header, BODY, T + 301)).as("outside the replay window").isFalse();
        assertThat(signature.isValid("v1=abc", BODY, T)).isFalse();
        assertThat(signature.isValid(null, BODY, T)).isFalse();
        assertThat(new CallbackSignature("").canSign()).isFalse();
    }

    private static String hmacHex(String key, String data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
