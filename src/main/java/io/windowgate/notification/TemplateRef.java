package io.windowgate.notification;

import java.util.List;
import java.util.Map;

/**
 * A pre-approved template and the values for its placeholders: positional ({{1}}, {{2}}...) or named ({{first_name}}).
 * Exactly one of {@code positionalParams} / {@code namedParams} is non-empty when the template has variables.
 */
public record TemplateRef(String name, String language, List<String> positionalParams, Map<String, String> namedParams) {

    public TemplateRef {
        positionalParams = positionalParams == null ? List.of() : List.copyOf(positionalParams);
        namedParams = namedParams == null ? Map.of() : Map.copyOf(namedParams);
    }

    public boolean hasParams() {
        return !positionalParams.isEmpty() || !namedParams.isEmpty();
    }
}
