package io.windowgate.template;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Category;

/**
 * A template as Meta describes it: one entry of the Graph API's {@code GET /<WABA_ID>/message_templates} answer (the
 * registry file uses the same format, so an export can be loaded as it is). From its components it derives what a send
 * must supply: the body's positional count or parameter names, a header parameter (text variable or media), and the
 * buttons that take a parameter.
 */
public record TemplateDefinition(String name, String language, String templateId, String status, Category category,
        boolean named, int positionalCount, Set<String> bodyNames, String headerFormat, boolean headerHasVariable,
        List<String> buttonsNeedingParams, String json) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");

    /** Thrown for an entry that is not a usable template description; the message says what is wrong. */
    public static final class InvalidTemplateException extends Exception {
        public InvalidTemplateException(String message) {
            super(message);
        }
    }

    /** Reads one Graph API template object. */
    public static TemplateDefinition parse(JsonNode t) throws InvalidTemplateException {
        String name = t.path("name").asText("");
        String language = t.path("language").asText("");
        if (name.isBlank() || language.isBlank()) {
            throw new InvalidTemplateException("a template needs a 'name' and a 'language' (as in the Graph API's "
                    + "message_templates list): " + abbreviate(t.toString()));
        }
        String where = name + " (" + language + ")";
        String status = t.path("status").asText("APPROVED").trim().toUpperCase(Locale.ROOT);
        Category category = null;
        if (t.hasNonNull("category")) {
            category = Category.fromName(t.get("category").asText()).orElseThrow(() -> new InvalidTemplateException(
                    where + ": category '" + t.get("category").asText() + "' is unknown"));
        }
        boolean named = "NAMED".equalsIgnoreCase(t.path("parameter_format").asText("POSITIONAL"));
        int positional = 0;
        Set<String> names = new LinkedHashSet<>();
        String headerFormat = null;
        boolean headerVariable = false;
        List<String> buttons = new ArrayList<>();
        for (JsonNode component : t.path("components")) {
            String type = component.path("type").asText("").toUpperCase(Locale.ROOT);
            switch (type) {
                case "BODY" -> {
                    for (String p : placeholders(component.path("text").asText(""))) {
                        if (p.chars().allMatch(Character::isDigit)) {
                            positional = Math.max(positional, Integer.parseInt(p));
                        } else {
                            names.add(p);
                        }
                    }
                }
                case "HEADER" -> {
                    headerFormat = component.path("format").asText("TEXT").toUpperCase(Locale.ROOT);
                    headerVariable = "TEXT".equals(headerFormat)
                            && !placeholders(component.path("text").asText("")).isEmpty();
                }
                case "BUTTONS" -> {
                    int index = 0;
                    for (JsonNode button : component.path("buttons")) {
                        String buttonType = button.path("type").asText("").toUpperCase(Locale.ROOT);
                        boolean needsParam = ("URL".equals(buttonType)
                                && !placeholders(button.path("url").asText("")).isEmpty())
                                || "COPY_CODE".equals(buttonType);
                        if (needsParam) {
                            buttons.add(index + ":" + buttonType);
                        }
                        index++;
                    }
                }
                default -> { }
            }
        }
        if (named && positional > 0) {
            throw new InvalidTemplateException(where + ": parameter_format is NAMED but the body uses {{" + positional
                    + "}}");
        }
        return new TemplateDefinition(name, language, t.path("id").asText(null), status, category, named,
                named ? 0 : positional, Set.copyOf(names), headerFormat, headerVariable, List.copyOf(buttons),
                t.toString());
    }

    /** Whether a send needs a header parameter: a text header with a variable, or a media header. */
    public boolean needsHeaderParam() {
        return headerHasVariable || (headerFormat != null && !"TEXT".equals(headerFormat));
    }

    private static List<String> placeholders(String text) {
        List<String> found = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
