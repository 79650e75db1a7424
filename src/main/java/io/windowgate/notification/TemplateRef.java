package io.windowgate.notification;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pre-approved template and the values for its placeholders: positional ({{1}}, {{2}}...) or named ({{first_name}}).
 * Exactly one of {@code positionalParams} / {@code namedParams} is non-empty when the template has variables.
 */
public record TemplateRef(String name, String language, List<String> positionalParams, Map<String, String> namedParams) {

    public TemplateRef {
        positionalParams = positionalParams == null ? List.of() : List.copyOf(positionalParams);
        // keeps the caller's order, which Map.copyOf would not (it varies between JVM runs); still null-hostile
        Map<String, String> ordered = new LinkedHashMap<>();
        if (namedParams != null) {
            namedParams.forEach((key, value) -> ordered.put(Objects.requireNonNull(key), Objects.requireNonNull(value)));
        }
        namedParams = Collections.unmodifiableMap(ordered);
    }

    public boolean hasParams() {
        return !positionalParams.isEmpty() || !namedParams.isEmpty();
    }
}
