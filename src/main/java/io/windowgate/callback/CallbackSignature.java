package io.windowgate.callback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

import io.windowgate.whatsapp.WebhookSignature;

/**
 * The signature of every event Windowgate POSTs: {@code X-Windowgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256
 * of "<t>.<raw body>" keyed with callbacks.secret>}. The timestamp is signed with the body, so a receiver that refuses
 * a t older than a few minutes (the replay window) cannot be fed a recorded event again later. The same scheme as
 * Stripe's, so receivers' existing code and libraries fit.
 */
public final class CallbackSignature {

    /** The header that carries the signature. */
    public static final String HEADER = "X-Windowgate-Signature";
    /** How far a receiver should accept t from its own clock (the docs' examples use it). */
    public static final Duration REPLAY_WINDOW = Duration.ofMinutes(5);

    private final byte[] secret;

    public CallbackSignature(String secret) {
        this.secret = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether a secret is configured (without one, events are sent unsigned). */
    public boolean canSign() {
        return secret.length > 0;
    }

    /** The header value that signs {@code body} sent at {@code unixSeconds}. */
    public String sign(long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac(unixSeconds, body));
    }

    /**
     * Whether {@code header} signs {@code body} with this secret at a time within {@link #REPLAY_WINDOW} of
     * {@code nowUnixSeconds}, as a receiver checks it (the sandbox receiver and the tests use this).
     */
    public boolean isValid(String header, byte[] body, long nowUnixSeconds) {
        if (secret.length == 0 || header == null || body == null) {
            return false;
        }
        Long t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length == 2 && kv[0].equals("t") && kv[1].matches("\\d{1,12}")) {
                t = Long.parseLong(kv[1]);
            } else if (kv.length == 2 && kv[0].equals("v1")) {
                v1 = kv[1];
            }
        }
        if (t == null || v1 == null || Math.abs(nowUnixSeconds - t) > REPLAY_WINDOW.toSeconds()) {
            return false;
        }
        byte[] expected = HexFormat.of().formatHex(mac(t, body)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, v1.getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] mac(long unixSeconds, byte[] body) {
        byte[] prefix = (unixSeconds + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return WebhookSignature.hmac(secret, signed);
    }
}
