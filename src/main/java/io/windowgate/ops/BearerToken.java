package io.windowgate.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** A configured bearer token and the check of an {@code Authorization} header against it, in constant time. */
public final class BearerToken {

    private static final String PREFIX = "Bearer ";

    private final byte[] token;

    public BearerToken(String token) {
        this.token = token == null ? new byte[0] : token.trim().getBytes(StandardCharsets.UTF_8);
    }

    /** Whether a token is configured at all: without one every request is refused. */
    public boolean isEnabled() {
        return token.length > 0;
    }

    /** Whether the Authorization header carries the configured bearer token. */
    public boolean isAuthorized(String authorization) {
        if (!isEnabled() || authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        byte[] given = authorization.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, given);
    }
}
