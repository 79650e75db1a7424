package io.windowgate.http;

import java.util.Locale;

/**
 * Decides whether a request's Content-Type declares a JSON body Windowgate can read: the media type
 * {@code application/json} (type and subtype in any case, exactly that, no structured-syntax suffix), with at most a
 * {@code charset} of UTF-8 (JSON is UTF-8 by RFC 8259; any case, quoted or not). Other parameters are ignored; a
 * missing charset means UTF-8.
 */
public final class JsonMediaType {

    /** What a client must send, said in every refusal. */
    public static final String EXPECTED = "application/json (optionally with charset=utf-8)";

    private JsonMediaType() {
    }

    /** Null when the header declares readable JSON, else why not, in words a client can act on. */
    public static String refusal(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return "Content-Type is missing: send Content-Type: " + EXPECTED;
        }
        String[] parts = contentType.split(";", -1);
        String mediaType = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            return "the body must be JSON, the Content-Type is '" + contentType.trim() + "': send Content-Type: "
                    + EXPECTED;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            int equals = parameter.indexOf('=');
            if (equals < 0) {
                if (parameter.isEmpty()) {
                    continue;
                }
                return "Content-Type has a malformed parameter '" + parameter + "': send Content-Type: " + EXPECTED;
            }
            if (!parameter.substring(0, equals).trim().equalsIgnoreCase("charset")) {
                continue;
            }
            String charset = parameter.substring(equals + 1).trim();
            if (charset.length() >= 2 && charset.startsWith("\"") && charset.endsWith("\"")) {
                charset = charset.substring(1, charset.length() - 1).trim();
            }
            if (!charset.equalsIgnoreCase("utf-8")) {
                return "JSON must be UTF-8 (RFC 8259), the Content-Type declares charset '" + charset + "': send "
                        + "the body in UTF-8 with Content-Type: " + EXPECTED;
            }
        }
        return null;
    }
}
