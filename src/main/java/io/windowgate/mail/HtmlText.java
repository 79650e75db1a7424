package io.windowgate.mail;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The readable text of an HTML mail body, for mails sent without a plain-text part: scripts, styles and the head go,
 * block ends become line breaks, tags go, entities are decoded, runs of blanks shrink. Good enough for a notification's
 * text, which is plain anyway; it is not a general HTML renderer.
 */
final class HtmlText {

    private static final Pattern HIDDEN = Pattern.compile("(?is)<(script|style|head|title)\\b.*?</\\1\\s*>");
    private static final Pattern COMMENT = Pattern.compile("(?s)<!--.*?-->");
    private static final Pattern LINE_BREAK = Pattern.compile("(?i)<br\\s*/?>|</(p|div|li|tr|h[1-6]|blockquote)\\s*>");
    private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");
    private static final Pattern ENTITY = Pattern.compile("&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);");

    private HtmlText() {
    }

    static String toText(String html) {
        String text = HIDDEN.matcher(html).replaceAll("");
        text = COMMENT.matcher(text).replaceAll("");
        text = text.replaceAll("\\s+", " "); // HTML whitespace is not significant; breaks come from the markup
        text = LINE_BREAK.matcher(text).replaceAll("\n");
        text = TAG.matcher(text).replaceAll("");
        text = decodeEntities(text);
        text = text.replace('\u00a0', ' ').replaceAll("[ \\t]+", " ").replaceAll(" ?\n ?", "\n")
                .replaceAll("\n{3,}", "\n\n");
        return text.strip();
    }

    private static String decodeEntities(String text) {
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String entity = m.group(1);
            String replacement;
            if (entity.startsWith("#x") || entity.startsWith("#X")) {
                replacement = codePoint(Integer.parseInt(entity.substring(2), 16), m.group());
            } else if (entity.startsWith("#")) {
                replacement = codePoint(Integer.parseInt(entity.substring(1)), m.group());
            } else {
                replacement = switch (entity) {
                    case "amp" -> "&";
                    case "lt" -> "<";
                    case "gt" -> ">";
                    case "quot" -> "\"";
                    case "apos" -> "'";
                    case "nbsp" -> " ";
                    case "euro" -> "\u20ac";
                    case "hellip" -> "\u2026";
                    case "ndash" -> "\u2013";
                    case "mdash" -> "\u2014";
                    default -> m.group();
                };
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String codePoint(int value, String original) {
        return Character.isValidCodePoint(value) ? new String(Character.toChars(value)) : original;
    }
}
