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

    /**
     * Takes one POST: an event, or a JSON array of events (callbacks.batch-size above 1), each kept as its own entry.
     * Answers 200 whatever it holds (a receiver that refuses would only have it sent again).
     */
    public void receive(byte[] raw, String signatureHeader) {
        byte[] body = raw == null ? new byte[0] : raw; // an empty POST is kept too, as an empty event
        String receivedAt = clock.instant().toString();
        boolean valid = signature.isValid(signatureHeader, body, clock.instant().getEpochSecond());
        List<Object> events = new ArrayList<>();
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.isArray()) {
                node.forEach(events::add);
            } else {
                events.add(node);
            }
        } catch (java.io.IOException e) {
            events.add(new String(body, StandardCharsets.UTF_8));
        }
        synchronized (received) {
            for (Object event : events) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("receivedAt", receivedAt);
                entry.put("signatureValid", valid);
                entry.put("event", event);
                received.addFirst(entry);
            }
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
