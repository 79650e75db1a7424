package io.windowgate.mail;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * The readable text of an HTML mail body, for mails sent without a plain-text part: scripts, styles and the head go,
 * {@code <br>} and block ends become line breaks, tags go, entities are decoded, runs of blanks shrink. Good enough for
 * a notification's text, which is plain anyway; it is not a general HTML renderer.
 *
 * <p>jsoup parses the markup as a browser would, so every named entity of HTML (&amp;uuml;, &amp;rsquo;, ...) and
 * every numeric one reach the customer as the character they stand for, and broken markup still yields its words.
 */
final class HtmlText {

    /** Elements whose content is never shown to a reader. */
    private static final String HIDDEN = "script, style, head, title, template";
    /** Elements that stand on lines of their own: a line break after them, and before them unless one is there. */
    private static final Set<String> BLOCKS = Set.of("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
            "blockquote");
    /** Table cells: a blank after each, so neighbouring cells do not run into one word. */
    private static final Set<String> CELLS = Set.of("td", "th");
    /** HTML's own whitespace; a no-break space is text, and turns into a plain space only at the end. */
    private static final Pattern HTML_WHITESPACE = Pattern.compile("[ \\t\\n\\r\\f]+");
    /**
     * A numeric reference to no character a message can carry (beyond U+10FFFF, a surrogate, NUL). jsoup would read it
     * as U+FFFD, a question-mark box in the customer's message; left as written, the reader sees what the sender wrote.
     */
    private static final Pattern NUMERIC_REFERENCE = Pattern.compile("&#([xX][0-9a-fA-F]+|[0-9]+);");

    private HtmlText() {
    }

    static String toText(String html) {
        Document document = Jsoup.parse(keepReferencesToNoCharacter(html));
        document.select(HIDDEN).remove();
        StringBuilder out = new StringBuilder();
        NodeTraversor.traverse(new NodeVisitor() {
            @Override
            public void head(Node node, int depth) {
                if (node instanceof TextNode text) {
                    out.append(HTML_WHITESPACE.matcher(text.getWholeText()).replaceAll(" "));
                } else if (node instanceof Element element) {
                    if (element.normalName().equals("br")) {
                        out.append('\n');
                    } else if (BLOCKS.contains(element.normalName()) && !atLineStart(out)) {
                        out.append('\n');
                    }
                }
            }

            @Override
            public void tail(Node node, int depth) {
                if (node instanceof Element element && BLOCKS.contains(element.normalName())) {
                    out.append('\n');
                } else if (node instanceof Element element && CELLS.contains(element.normalName())) {
                    out.append(' ');
                }
            }
        }, document.body());
        String text = out.toString().replace('\u00a0', ' ').replaceAll("[ \\t]+", " ").replaceAll(" ?\n ?", "\n")
                .replaceAll("\n{3,}", "\n\n");
        return text.strip();
    }

    /** Whether nothing but blanks follows the last line break (or the start). */
    private static boolean atLineStart(StringBuilder out) {
        for (int i = out.length() - 1; i >= 0; i--) {
            char c = out.charAt(i);
            if (c == '\n') {
                return true;
            }
            if (c != ' ') {
                return false;
            }
        }
        return true;
    }

    /** Escapes the ampersand of each numeric reference to no character, so the parser keeps it as text. */
    private static String keepReferencesToNoCharacter(String html) {
        Matcher m = NUMERIC_REFERENCE.matcher(html);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String number = m.group(1);
            boolean hex = number.charAt(0) == 'x' || number.charAt(0) == 'X';
            String digits = (hex ? number.substring(1) : number).replaceFirst("^0+(?=.)", "");
            m.appendReplacement(out, Matcher.quoteReplacement(isCharacter(digits, hex ? 16 : 10) ? m.group()
                    : "&amp;" + m.group().substring(1)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean isCharacter(String digits, int radix) {
        if (digits.length() > 7) { // more digits than any code point has; would overflow an int
            return false;
        }
        int value = Integer.parseInt(digits, radix);
        return value != 0 && Character.isValidCodePoint(value) && !(value >= 0xD800 && value <= 0xDFFF);
    }
}
