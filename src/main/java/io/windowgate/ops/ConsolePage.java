package io.windowgate.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The operator console's files (HTML, script, style), read from the jar once. The page itself holds no data and no
 * secret: it asks the operator for a token and calls the {@code /api} routes with it, as any other client.
 */
public final class ConsolePage {

    /** File name → content type: only these are served. */
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8");

    private final Map<String, byte[]> content;

    public ConsolePage() {
        content = Map.of("index.html", read("index.html"), "console.js", read("console.js"), "console.css",
                read("console.css"));
    }

    /** The file's bytes, or null for any name that is not one of the console's files. */
    public byte[] file(String name) {
        return name == null ? null : content.get(name);
    }

    /** The file's content type (application/octet-stream for an unknown name, which is answered 404 anyway). */
    public String contentType(String name) {
        return name == null ? "application/octet-stream" : FILES.getOrDefault(name, "application/octet-stream");
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsolePage.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar has no console/" + name + ": the build is incomplete");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
