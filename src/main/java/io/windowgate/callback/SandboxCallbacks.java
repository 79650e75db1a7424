package io.windowgate.callback;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The sandbox's callback receiver (routes/sandbox-callbacks.camel.yaml): takes the events POSTed to /sandbox/callbacks,
 * checks each signature as a receiver should, and shows the latest ones at GET /sandbox/callbacks, newest first, so a
 * new user sees the events of the README's walkthrough without writing a server. Kept in memory, the latest
 * {@value #KEPT} only.
 */
public final class SandboxCallbacks {

    static final int KEPT = 200;

    private final CallbackSignature signature;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final Deque<Map<String, Object>> received = new ArrayDeque<>();

    public SandboxCallbacks(CallbackSignature signature, Clock clock) {
        this.signature = signature;
        this.clock = clock;
    }

    /** Takes one event; answers 200 whatever it holds (a receiver that refuses would only have it sent again). */
    public void receive(byte[] raw, String signatureHeader) {
        byte[] body = raw == null ? new byte[0] : raw; // an empty POST is kept too, as an empty event
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("receivedAt", clock.instant().toString());
        entry.put("signatureValid", signature.isValid(signatureHeader, body, clock.instant().getEpochSecond()));
        try {
            entry.put("event", json.readTree(body));
        } catch (java.io.IOException e) {
            entry.put("event", new String(body, StandardCharsets.UTF_8));
        }
        synchronized (received) {
            received.addFirst(entry);
            while (received.size() > KEPT) {
                received.removeLast();
            }
        }
    }

    /** The events received, newest first. */
    public List<Map<String, Object>> events() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    /** The event bodies received, oldest first (for tests). */
    public List<JsonNode> bodies() {
        List<JsonNode> bodies = new ArrayList<>();
        for (Map<String, Object> entry : events()) {
            if (entry.get("event") instanceof JsonNode node) {
                bodies.add(0, node);
            }
        }
        return bodies;
    }
}
