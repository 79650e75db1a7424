package io.windowgate.csv;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.windowgate.notification.NotificationRequest;
import io.windowgate.notification.NotificationValidator;
import io.windowgate.text.Excerpt;

/**
 * The columns of a dropped file, read from its header row: names are case-insensitive, order is free,
 * unknown columns are ignored. Maps a row's values to a {@link NotificationRequest}.
 */
final class CsvLayout {

    private static final List<String> KNOWN = List.of("id", "to", "text", "template", "language", "category", "send_at",
            "opt_in", "from", "callback_url");
    /** A session message's media columns. */
    private static final List<String> MEDIA = List.of("media_type", "media_link", "media_caption", "media_filename");
    private static final Pattern POSITIONAL = Pattern.compile("param(\\d{1,2})(?::(currency|date_time))?");
    private static final Pattern TYPED_NAMED = Pattern.compile("param:(.+):(currency|date_time)");
    private static final String NAMED_PREFIX = "param:";
    /** Header and button parameter columns: header_text, header_image, ..., button:N:url, button:N:quick_reply, ... */
    private static final Pattern TEMPLATE_PART = Pattern.compile(
            "header_(text|image|video|document|filename)|button:[0-9]:(url|quick_reply|copy_code)");

    private final List<String> header;
    private final Map<String, Integer> columns = new HashMap<>();
    private final TreeMap<Integer, Integer> positional = new TreeMap<>();
    private final Map<String, Integer> named = new LinkedHashMap<>();
    private final Map<String, Integer> parts = new LinkedHashMap<>();
    /** Typed body parameters: position or name -> currency | date_time. */
    private final Map<String, String> typed = new LinkedHashMap<>();

    CsvLayout(List<String> headerRow) throws UnreadableCsvException {
        this.header = List.copyOf(headerRow);
        for (int i = 0; i < headerRow.size(); i++) {
            String raw = headerRow.get(i).strip();
            String name = raw.toLowerCase(Locale.ROOT);
            Matcher p = POSITIONAL.matcher(name);
            Integer previous = null;
            if (KNOWN.contains(name) || MEDIA.contains(name)) {
                previous = columns.put(name, i);
            } else if (p.matches() && Integer.parseInt(p.group(1)) >= 1) {
                previous = positional.put(Integer.parseInt(p.group(1)), i);
                if (p.group(2) != null) {
                    typed.put(p.group(1), p.group(2));
                }
            } else if (TEMPLATE_PART.matcher(name).matches()) {
                previous = parts.put(name, i);
            } else if (TYPED_NAMED.matcher(name).matches()) {
                Matcher t = TYPED_NAMED.matcher(raw.toLowerCase(Locale.ROOT));
                t.matches();
                String paramName = raw.substring(NAMED_PREFIX.length(), raw.length() - t.group(2).length() - 1).strip();
                previous = named.put(paramName, i);
                typed.put(paramName, t.group(2));
            } else if (name.startsWith(NAMED_PREFIX) && name.length() > NAMED_PREFIX.length()) {
                previous = named.put(raw.substring(NAMED_PREFIX.length()).strip(), i);
            }
            if (previous != null) {
                throw new UnreadableCsvException("column " + Excerpt.quoted(raw) + " appears twice in the header row");
            }
        }
        if (!columns.containsKey("to")) {
            throw new UnreadableCsvException("the header row has no 'to' column (columns found: "
                    + Excerpt.of(String.join(", ", header))
                    + "); the first row must name the columns, e.g. id,to,text,template,language");
        }
        if (!columns.containsKey("text") && !columns.containsKey("template")) {
            throw new UnreadableCsvException("the header row has neither a 'text' nor a 'template' column (columns found: "
                    + Excerpt.of(String.join(", ", header)) + ")");
        }
    }

    List<String> header() {
        return header;
    }

    boolean hasIdColumn() {
        return columns.containsKey("id");
    }

    NotificationRequest request(List<String> values, String derivedId, String source) {
        String malformed = values.size() > header.size()
                ? "row has " + values.size() + " fields but the header has " + header.size()
                        + " columns (an unquoted delimiter or a missing quote?)"
                : null;
        String id = hasIdColumn() ? value(values, columns.get("id")) : derivedId;
        List<String> params = new ArrayList<>();
        int highest = 0;
        for (Map.Entry<Integer, Integer> column : positional.entrySet()) {
            if (value(values, column.getValue()) != null) {
                highest = column.getKey();
            }
        }
        for (int n = 1; n <= highest; n++) {
            Integer column = positional.get(n);
            String value = column == null ? null : value(values, column);
            params.add(value == null ? "" : value);
        }
        Map<String, String> namedParams = new LinkedHashMap<>();
        named.forEach((name, column) -> {
            String value = value(values, column);
            if (value != null) {
                namedParams.put(name, value);
            }
        });
        Map<String, String> templateParts = new LinkedHashMap<>();
        parts.forEach((name, column) -> {
            String value = value(values, column);
            if (value != null) {
                templateParts.put(name, value);
            }
        });
        // "USD 10.50" in a param2:currency column: the amount, and the text WhatsApp shows where it cannot format it
        typed.forEach((param, kind) -> {
            String value = param.chars().allMatch(Character::isDigit)
                    ? value(values, positional.get(Integer.parseInt(param))) : value(values, named.get(param));
            if (value != null) {
                templateParts.put(NotificationValidator.TYPED_PREFIX + param,
                        ("currency".equals(kind) ? "currency " + value : "date_time") + "|" + value);
            }
        });
        Map<String, String> media = new LinkedHashMap<>();
        for (String column : MEDIA) {
            String value = value(values, columns.get(column));
            if (value != null) {
                media.put(column, value);
            }
        }
        String optIn = value(values, columns.get("opt_in"));
        NotificationRequest.OptInRequest consent = null;
        if (optIn != null) {
            switch (optIn.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "yes", "y", "true", "1" -> consent = new NotificationRequest.OptInRequest(null, "csv",
                        "opt_in column of a " + source + " file", null);
                case "no", "n", "false", "0", "" -> { }
                default -> malformed = (malformed == null ? "" : malformed + "; ") + "opt_in "
                        + Excerpt.quoted(optIn) + " is not yes/no (also true/false, 1/0)";
            }
        }
        return NotificationRequest.from(source).id(id).to(value(values, columns.get("to")))
                .text(value(values, columns.get("text")))
                .template(value(values, columns.get("template")), value(values, columns.get("language")))
                .positionalParams(params).namedParams(namedParams).category(value(values, columns.get("category")))
                .sendAt(value(values, columns.get("send_at"))).sender(value(values, columns.get("from")))
                .callbackUrl(value(values, columns.get("callback_url")))
                .malformed(malformed).optIn(consent)
                .templateParts(templateParts).media(media).build();
    }

    /** The value of a column in this row; null when the column is absent, the row is short, or the cell is empty. */
    private static String value(List<String> values, Integer column) {
        if (column == null || column >= values.size()) {
            return null;
        }
        String value = values.get(column);
        return value == null || value.isEmpty() ? null : value;
    }
}
