package io.windowgate.template;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.store.TemplateStore;
import io.windowgate.template.TemplateDefinition.InvalidTemplateException;

/**
 * Loads templates into the registry from JSON in the Graph API's format: the answer of
 * {@code GET /<WABA_ID>/message_templates} ({@code {"data": [...]}}) or a plain array of its template objects. Used for
 * templates.file at start and for POST /api/templates.
 */
public final class TemplateLoader {

    private final TemplateStore store;
    private final ObjectMapper json = new ObjectMapper();

    public TemplateLoader(TemplateStore store) {
        this.store = store;
    }

    /** Thrown when the JSON is not a template list; the message says what is wrong. */
    public static final class BadTemplatesException extends Exception {
        public BadTemplatesException(String message) {
            super(message);
        }
    }

    /** Loads the file; any entry that is not a usable template fails the whole load (the registry is unchanged). */
    public int loadFile(Path file) throws IOException, BadTemplatesException, SQLException {
        if (!Files.isRegularFile(file)) {
            throw new BadTemplatesException("templates.file " + file.toAbsolutePath() + " does not exist");
        }
        Map<String, Object> result = load(Files.readAllBytes(file));
        @SuppressWarnings("unchecked")
        List<String> errors = (List<String>) result.get("errors");
        if (!errors.isEmpty()) {
            throw new BadTemplatesException("templates.file " + file + ": " + String.join("; ", errors));
        }
        return (Integer) result.get("loaded");
    }

    /**
     * Loads the templates of a JSON body. Every entry is checked first; when one is invalid nothing is stored and the
     * answer lists the problems: {@code {"loaded": n, "errors": [...]}}.
     */
    public Map<String, Object> load(byte[] body) throws BadTemplatesException, SQLException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw new BadTemplatesException("the templates are not JSON: " + e.getMessage());
        }
        JsonNode list = root != null && root.isObject() && root.has("data") ? root.get("data") : root;
        if (list == null || !list.isArray()) {
            throw new BadTemplatesException("expected a JSON array of templates, or {\"data\": [...]} as the Graph "
                    + "API's message_templates list answers");
        }
        List<TemplateDefinition> parsed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (JsonNode entry : list) {
            try {
                parsed.add(TemplateDefinition.parse(entry));
            } catch (InvalidTemplateException e) {
                errors.add("entry " + (parsed.size() + errors.size()) + ": " + e.getMessage());
            }
        }
        if (errors.isEmpty()) {
            for (TemplateDefinition t : parsed) {
                store.put(t);
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("loaded", errors.isEmpty() ? parsed.size() : 0);
        answer.put("errors", errors);
        return answer;
    }
}
