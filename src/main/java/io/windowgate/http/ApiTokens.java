package io.windowgate.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bearer tokens of the HTTP API by scope ({@code admin.api-token}, {@code crm.api-token}, {@code api.read-token}),
 * each property a comma-separated list so a token can be rotated without downtime, and the scopes a presented token
 * carries. Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}, against every configured token
 * without stopping at a match, so neither the time taken nor its dependence on length tells a caller how close it got.
 */
public final class ApiTokens {

    /** What a token lets its holder do. */
    public enum Scope {
        /** Everything, and answers with phone numbers in full. */
        ADMIN,
        /** CRM push, and reading the notifications. */
        CRM,
        /** The read-only views. */
        READ
    }

    private static final String SCHEME = "Bearer ";

    private final Map<Scope, List<byte[]>> digests = new EnumMap<>(Scope.class);

    public ApiTokens(String admin, String crm, String read) {
        digests.put(Scope.ADMIN, digests(admin));
        digests.put(Scope.CRM, digests(crm));
        digests.put(Scope.READ, digests(read));
    }

    /** How many tokens are configured for a scope. */
    public int count(Scope scope) {
        return digests.get(scope).size();
    }

    /** The scopes of the bearer token in this Authorization header: none when it carries no configured token. */
    public Set<Scope> scopesOf(String authorization) {
        String token = bearerToken(authorization);
        if (token == null) {
            return Collections.emptySet();
        }
        byte[] given = sha256(token);
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (Map.Entry<Scope, List<byte[]>> entry : digests.entrySet()) {
            boolean match = false;
            for (byte[] digest : entry.getValue()) {
                match |= MessageDigest.isEqual(digest, given);
            }
            if (match) {
                scopes.add(entry.getKey());
            }
        }
        return scopes;
    }

    /**
     * The token of {@code Bearer <token>}, or null. The scheme is case-insensitive (RFC 7235); whitespace around the
     * token is not part of it (HTTP strips it from header values anyway); a token holding whitespace or a comma is no
     * token (RFC 6750's b64token has neither, and a comma could never be configured).
     */
    static String bearerToken(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return null;
        }
        String token = authorization.substring(SCHEME.length()).strip();
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || c == ',') {
                return null;
            }
        }
        return token.isEmpty() ? null : token;
    }

    private static List<byte[]> digests(String tokens) {
        List<byte[]> list = new ArrayList<>();
        if (tokens != null) {
            for (String token : tokens.split(",")) {
                if (!token.isBlank()) {
                    list.add(sha256(token.strip()));
                }
            }
        }
        return List.copyOf(list);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
