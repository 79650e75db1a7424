package io.windowgate.whatsapp;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Meta's webhook authentication: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the
 * app secret>}, and the {@code hub.verify_token} of the subscription handshake. Both compared in constant time.
 */
public final class WebhookSignature {

    private static final String PREFIX = "sha256=";

    private final byte[] appSecret;
    private final byte[] verifyToken;

    public WebhookSignature(String appSecret, String verifyToken) {
        this.appSecret = appSecret == null ? new byte[0] : appSecret.getBytes(StandardCharsets.UTF_8);
        this.verifyToken = verifyToken == null ? new byte[0] : verifyToken.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether the header is the signature of exactly these bytes. False without an app secret. */
    public boolean isValid(byte[] rawBody, String signatureHeader) {
        if (appSecret.length == 0 || rawBody == null || signatureHeader == null
                || !signatureHeader.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        byte[] expected = HexFormat.of().formatHex(hmac(appSecret, rawBody)).getBytes(StandardCharsets.US_ASCII);
        byte[] given = signatureHeader.substring(PREFIX.length()).trim().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }

    /** Whether a GET handshake (hub.mode, hub.verify_token) may be answered. False without a configured verify token. */
    public boolean isHandshakeAllowed(String mode, String token) {
        return verifyToken.length > 0 && "subscribe".equals(mode) && token != null
                && MessageDigest.isEqual(verifyToken, token.getBytes(StandardCharsets.UTF_8));
    }

    /** The header value that signs these bytes with this secret (used by the sandbox provider and tests). */
    public static String sign(String appSecret, byte[] rawBody) {
        return PREFIX + HexFormat.of().formatHex(hmac(appSecret.getBytes(StandardCharsets.UTF_8), rawBody));
    }

    /** HMAC-SHA256 of {@code data} keyed with {@code key}; also signs Windowgate's own callback events. */
    public static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
