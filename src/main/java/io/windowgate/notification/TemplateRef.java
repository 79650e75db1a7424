package io.windowgate.notification;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pre-approved template and the values for its placeholders: positional ({{1}}, {{2}}...) or named ({{first_name}})
 * body parameters, and optionally the header's parameter (a text variable or a media link) and button parameters.
 * Exactly one of {@code positionalParams} / {@code namedParams} is non-empty when the body has variables.
 */
public record TemplateRef(String name, String language, List<String> positionalParams, Map<String, String> namedParams,
        Header header, List<Button> buttons, Map<String, Typed> typedParams) {

    /**
     * A body parameter that is not plain text: {@code type} currency or date_time, with the fallback text (also the
     * parameter's value in the positional list or named map), and for currency the ISO 4217 code and the amount in
     * thousandths. Keyed in {@code typedParams} by position ("1", "2"...) or parameter name.
     */
    public record Typed(String type, String fallback, String code, Long amount1000) {
    }

    /** A template with header and button parameters, all body parameters text. */
    public TemplateRef(String name, String language, List<String> positionalParams, Map<String, String> namedParams,
            Header header, List<Button> buttons) {
        this(name, language, positionalParams, namedParams, header, buttons, Map.of());
    }

    /** The header parameter: {@code format} TEXT, IMAGE, VIDEO or DOCUMENT; the text or the media link. */
    public record Header(String format, String value, String filename) {
    }

    /** A button parameter: the 0-based button index, its type (URL, QUICK_REPLY, COPY_CODE) and the value. */
    public record Button(int index, String type, String value) {
    }

    /** A template with body parameters only. */
    public TemplateRef(String name, String language, List<String> positionalParams, Map<String, String> namedParams) {
        this(name, language, positionalParams, namedParams, null, List.of(), Map.of());
    }

    public TemplateRef {
        buttons = buttons == null ? List.of() : List.copyOf(buttons);
        typedParams = typedParams == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(typedParams));
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
