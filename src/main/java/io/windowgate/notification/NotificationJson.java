package io.windowgate.notification;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;

/**
 * Reads canonical notifications from JSON: one object or an array of them, as the CRM push API, the CRM
 * pull pages and mail bodies carry them. Only the document's structure is checked here; an item with a field of the
 * wrong type becomes a request marked malformed, so the validator rejects that item alone with the reason.
 */
public final class NotificationJson {

    /**
     * The document is not strict UTF-8 JSON, exceeds a parser limit, holds more than one value, or is neither an object
     * nor an array: the sender must change it, so it is never worth retrying.
     */
    public static final class MalformedJsonException extends Exception {
        public MalformedJsonException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Deepest nesting of arrays and objects; a notification needs four levels. */
    public static final int MAX_NESTING_DEPTH = 1_000;
    /** Longest number, in digits; ids and phone numbers sent as numbers are far shorter. */
    public static final int MAX_NUMBER_LENGTH = 1_000;
    /** Longest string value, in characters: far above any field (text: at most 4,096; media links). */
    public static final int MAX_STRING_LENGTH = 100_000;
    /** Longest field name, in characters: the longest a notification has is a template parameter's name. */
    public static final int MAX_NAME_LENGTH = 1_000;

    /*
     * The limits are set here rather than left to Jackson's defaults: the defaults differ between Jackson versions,
     * the answer names each limit, and the string and name limits must lie below crm.max-body-bytes to apply at all.
     */
    private final ObjectMapper json = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNameLength(MAX_NAME_LENGTH)
                    .build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** The notifications of a document holding one notification object or an array of them. */
    public List<NotificationRequest> parse(byte[] document, String source) throws MalformedJsonException {
        JsonNode root = read(document);
        if (root.isObject()) {
            return List.of(request(root, source));
        }
        if (root.isArray()) {
            return items(root, source);
        }
        throw new MalformedJsonException("the body must be a notification object or an array of them, not "
                + describe(root), null);
    }

    /**
     * Parses a document of exactly one JSON value in strict UTF-8; fails with what is wrong and where when it is not
     * JSON, exceeds a limit, or holds more than one value.
     */
    public JsonNode read(byte[] document) throws MalformedJsonException {
        // an HTTP request without a body reaches the route as a null body: the same empty body, the CRM's fault
        String text = utf8(document == null ? new byte[0] : document);
        try (JsonParser parser = json.createParser(text)) {
            JsonNode root;
            try {
                root = json.readTree(parser);
            } catch (StreamConstraintsException e) {
                // Jackson gives these no location of their own; the parser knows where it stopped
                throw new MalformedJsonException(exceeded(e) + " (" + position(parser.currentLocation()) + ")", e);
            }
            if (root == null || root.isMissingNode()) {
                throw new MalformedJsonException("the body is empty: send a notification object or an array of them",
                        null);
            }
            JsonLocation after = parser.currentLocation();
            JsonToken next;
            try {
                next = parser.nextToken();
                after = parser.currentTokenLocation();
            } catch (JsonProcessingException e) {
                next = JsonToken.NOT_AVAILABLE; // text after the value that is not even JSON
            }
            if (next != null) {
                throw new MalformedJsonException("the body holds more than one JSON value: send one object or one "
                        + "array (more content starts at " + position(after) + ")", null);
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new MalformedJsonException("the body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (" + position(e.getLocation()) + ")"), e);
        } catch (IOException e) {
            throw new MalformedJsonException("the body could not be read as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The document as text, decoded strictly: Jackson's own UTF-8 reader accepts overlong forms (0xC0 0xAF reads as
     * '/'), which would let a byte sequence mean something other than what every other reader sees. A leading byte
     * order mark is skipped, as Jackson does.
     */
    private static String utf8(byte[] document) throws MalformedJsonException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(document);
        CharBuffer out = CharBuffer.allocate(document.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            throw new MalformedJsonException("the body is not UTF-8: byte " + (at + 1) + " (0x" + String.format(
                    "%02X", document[at] & 0xFF) + ") does not start or continue a valid UTF-8 character (an overlong "
                    + "or cut-off sequence, or text saved in another encoding): send the JSON encoded as UTF-8", null);
        }
        out.flip();
        if (out.hasRemaining() && out.charAt(0) == '\uFEFF') {
            out.position(1);
        }
        return out.toString();
    }

    /** The limit a document exceeded, in words; Jackson's message names the constraint's getter. */
    private static String exceeded(StreamConstraintsException e) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.contains("getMaxNestingDepth")) {
            return "the body is nested deeper than " + count(MAX_NESTING_DEPTH) + " levels of arrays and objects: a "
                    + "notification needs only a few";
        }
        if (message.contains("getMaxNumberLength")) {
            return "the body holds a number longer than " + count(MAX_NUMBER_LENGTH) + " digits: send ids and phone "
                    + "numbers as strings of their real length";
        }
        if (message.contains("getMaxStringLength")) {
            return "the body holds a string longer than " + count(MAX_STRING_LENGTH) + " characters: no notification "
                    + "field is that long (text: at most " + count(NotificationValidator.MAX_TEXT_LENGTH) + ")";
        }
        if (message.contains("getMaxNameLength")) {
            return "the body holds a field name longer than " + count(MAX_NAME_LENGTH) + " characters: use the "
                    + "field names of a notification (id, to, text, template...)";
        }
        return "the body exceeds a limit of this server: " + message;
    }

    private static String count(int n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }

    private static String position(JsonLocation location) {
        return "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** The elements of a JSON array, each read as one notification. */
    public List<NotificationRequest> items(JsonNode array, String source) {
        List<NotificationRequest> requests = new ArrayList<>(array.size());
        for (JsonNode item : array) {
            requests.add(request(item, source));
        }
        return requests;
    }

    /** One notification object; a structural problem is recorded in {@code malformed} for the validator to report. */
    public NotificationRequest request(JsonNode node, String source) {
        if (!node.isObject()) {
            return NotificationRequest.from(source)
                    .malformed("each notification must be a JSON object, not " + describe(node)).build();
        }
        List<String> problems = new ArrayList<>();
        String id = scalar(node, "id", problems);
        String to = scalar(node, "to", problems);
        String text = string(node, "text", problems);
        String category = string(node, "category", problems);
        String sendAt = string(node, "sendAt", problems);
        String from = scalar(node, "from", problems);
        String callbackUrl = string(node, "callbackUrl", problems);
        String templateName = null;
        String templateLanguage = null;
        List<String> positional = List.of();
        Map<String, String> named = Map.of();
        Map<String, String> parts = new LinkedHashMap<>();
        JsonNode template = node.get("template");
        if (template != null && !template.isNull()) {
            if (template.isObject()) {
                templateName = string(template, "name", problems);
                templateLanguage = string(template, "language", problems);
                JsonNode params = template.get("params");
                if (params != null && params.isArray()) {
                    positional = new ArrayList<>();
                    for (JsonNode p : params) {
                        String key = Integer.toString(positional.size() + 1);
                        positional.add(typedParam(p, key, parts)
                                ? p.path(p.has("currency") ? "currency" : "date_time").path("fallback_value").asText()
                                : param(p, "template.params[" + positional.size() + "]", problems));
                    }
                } else if (params != null && params.isObject()) {
                    named = new LinkedHashMap<>();
                    for (Map.Entry<String, JsonNode> p : params.properties()) {
                        JsonNode v = p.getValue();
                        named.put(p.getKey(), typedParam(v, p.getKey(), parts)
                                ? v.path(v.has("currency") ? "currency" : "date_time").path("fallback_value").asText()
                                : param(v, "template.params." + p.getKey(), problems));
                    }
                } else if (params != null && !params.isNull()) {
                    problems.add("template.params must be a list (positional {{1}}, {{2}}...) or an object (named "
                            + "parameters), not " + describe(params));
                }
                templateParts(template, parts, problems);
            } else {
                problems.add("template must be an object with name, language and params, not " + describe(template));
            }
        }
        NotificationRequest.OptInRequest optIn = optIn(node.get("optIn"), source, problems);
        Map<String, String> media = media(node.get("media"), problems);
        return NotificationRequest.from(source).id(id).to(to).text(text).template(templateName, templateLanguage)
                .positionalParams(positional).namedParams(named).category(category).sendAt(sendAt).optIn(optIn)
                .templateParts(parts).sender(from).callbackUrl(callbackUrl).media(media)
                .malformed(problems.isEmpty() ? null : String.join("; ", problems)).build();
    }

    /**
     * {@code "media": {"type": "image", "link": "https://...", "caption": "...", "filename": "..."}}, as the CSV column
     * names (media_type, media_link, media_caption, media_filename); what the values must be is the validator's check.
     */
    private static Map<String, String> media(JsonNode media, List<String> problems) {
        Map<String, String> values = new LinkedHashMap<>();
        if (media == null || media.isNull()) {
            return values;
        }
        if (!media.isObject()) {
            problems.add("media must be an object {\"type\": \"image|document|video|audio\", \"link\": \"https://...\", "
                    + "\"caption\": ..., \"filename\": ...}, not " + describe(media));
            return values;
        }
        for (String field : new String[] {"type", "link", "caption", "filename"}) {
            String value = string(media, field, problems);
            if (value != null) {
                values.put("media_" + field, value);
            }
        }
        return values;
    }

    /**
     * A currency or date_time body parameter in the Cloud API's own shape: {@code {"currency": {"fallback_value":
     * "$10.50", "code": "USD", "amount_1000": 10500}}} or {@code {"date_time": {"fallback_value": "May 1, 2026"}}}.
     * Records it under "typed:KEY" for the validator and returns true; false for anything else (a text parameter).
     */
    private static boolean typedParam(JsonNode p, String key, Map<String, String> parts) {
        if (!p.isObject() || p.size() != 1 || !(p.has("currency") || p.has("date_time"))) {
            return false;
        }
        JsonNode value = p.has("currency") ? p.get("currency") : p.get("date_time");
        String fallback = value.path("fallback_value").asText("");
        if (p.has("currency")) {
            String amount = value.path("amount_1000").canConvertToLong()
                    ? java.math.BigDecimal.valueOf(value.path("amount_1000").asLong(), 3).toPlainString() : "?";
            parts.put(NotificationValidator.TYPED_PREFIX + key, "currency " + value.path("code").asText("?") + " "
                    + amount + "|" + fallback);
        } else {
            parts.put(NotificationValidator.TYPED_PREFIX + key, "date_time|" + fallback);
        }
        return true;
    }

    /**
     * {@code "header": {"type": "image", "link": "https://..."}} (or "video", "document" with an optional "filename",
     * or {"type": "text", "text": "..."}) and {@code "buttons": [{"index": 0, "type": "url", "text": "ABC"},
     * {"index": 1, "type": "quick_reply", "payload": "STOP"}, {"index": 0, "type": "copy_code", "code": "SAVE10"}]},
     * as the same names the CSV columns use.
     */
    private static void templateParts(JsonNode template, Map<String, String> parts, List<String> problems) {
        JsonNode header = template.get("header");
        if (header != null && !header.isNull()) {
            String type = header.path("type").asText("").toLowerCase(java.util.Locale.ROOT);
            String value = "text".equals(type) ? header.path("text").asText(null) : header.path("link").asText(null);
            if (!header.isObject() || value == null) {
                problems.add("template.header must be {\"type\": \"image|video|document\", \"link\": \"https://...\"} "
                        + "or {\"type\": \"text\", \"text\": \"...\"}, not " + describe(header));
            } else {
                parts.put("header_" + type, value);
                if (header.hasNonNull("filename")) {
                    parts.put("header_filename", header.get("filename").asText());
                }
            }
        }
        JsonNode buttons = template.get("buttons");
        if (buttons != null && !buttons.isNull()) {
            if (!buttons.isArray()) {
                problems.add("template.buttons must be a list, not " + describe(buttons));
                return;
            }
            for (JsonNode button : buttons) {
                String type = button.path("type").asText("").toLowerCase(java.util.Locale.ROOT);
                String value = switch (type) {
                    case "url" -> button.path("text").asText(null);
                    case "quick_reply" -> button.path("payload").asText(null);
                    case "copy_code" -> button.path("code").asText(null);
                    default -> null;
                };
                if (!button.path("index").canConvertToInt() || value == null) {
                    problems.add("each template button needs an index and a value: {\"index\": 0, \"type\": \"url\", "
                            + "\"text\": ...}, {\"type\": \"quick_reply\", \"payload\": ...} or {\"type\": "
                            + "\"copy_code\", \"code\": ...}; not " + describe(button));
                } else {
                    parts.put("button:" + button.path("index").asInt() + ":" + type, value);
                }
            }
        }
    }

    /** {@code "optIn": true}, or {@code {"scope", "source", "evidence", "at"}}; null when absent or false. */
    private static NotificationRequest.OptInRequest optIn(JsonNode value, String source, List<String> problems) {
        if (value == null || value.isNull() || (value.isBoolean() && !value.asBoolean())) {
            return null;
        }
        if (value.isBoolean()) {
            return new NotificationRequest.OptInRequest(null, source, null, null);
        }
        if (!value.isObject()) {
            problems.add("optIn must be true or an object {\"scope\", \"source\", \"evidence\", \"at\"}, not "
                    + describe(value));
            return null;
        }
        String given = string(value, "source", problems);
        return new NotificationRequest.OptInRequest(string(value, "scope", problems),
                given == null ? source : given, string(value, "evidence", problems), string(value, "at", problems));
    }

    /** A text field; numbers are accepted too (CRMs often export ids and phone numbers as numbers). */
    private static String scalar(JsonNode node, String field, List<String> problems) {
        JsonNode value = node.get(field);
        if (value != null && (value.isIntegralNumber() || value.isBigInteger())) {
            return value.asText();
        }
        return string(node, field, problems);
    }

    private static String string(JsonNode node, String field, List<String> problems) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            problems.add(field + " must be a string, not " + describe(value));
            return null;
        }
        return value.asText();
    }

    private static String param(JsonNode value, String where, List<String> problems) {
        if (value.isTextual() || value.isNumber() || value.isBoolean()) {
            return value.asText();
        }
        problems.add(where + " must be a string or a number, not " + describe(value));
        return null;
    }

    private static String describe(JsonNode node) {
        JsonNodeType type = node.getNodeType();
        return switch (type) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case STRING -> "a string";
            default -> type.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
