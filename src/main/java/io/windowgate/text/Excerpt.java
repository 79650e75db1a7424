package io.windowgate.text;

/**
 * What a reason shows of the input it quotes (a cell, a column name, a field of a request). A reason ends up in reason
 * files, rejected-rows files, API answers and log lines, where a person reads it: it shows at most {@link #MAX_CHARS}
 * characters, with "…" when the input was longer, and invisible characters (NUL, tab, line breaks, bidi overrides...)
 * as {@code \u0000}-style escapes, so that a binary file or a huge field neither floods the reason nor hides in it.
 */
public final class Excerpt {

    /** Most characters an excerpt shows, escapes included (an escape is never cut). */
    public static final int MAX_CHARS = 80;

    private Excerpt() {
    }

    /** The excerpt in single quotes, as reasons quote a value: {@code 'not-a-phone'}. */
    public static String quoted(String input) {
        return "'" + of(input) + "'";
    }

    /** The bounded, printable excerpt of the input; empty for null. */
    public static String of(String input) {
        if (input == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(input.length(), MAX_CHARS) + 1);
        for (int i = 0; i < input.length(); ) {
            int c = input.codePointAt(i);
            String shown = visible(c) ? Character.toString(c) : String.format("\\u%04x", (int) input.charAt(i));
            int width = visible(c) ? Character.charCount(c) : shown.length();
            if (out.length() + width > MAX_CHARS) {
                return out.append('…').toString();
            }
            out.append(shown);
            // an invisible code point outside the basic plane is escaped one UTF-16 unit at a time
            i += visible(c) ? Character.charCount(c) : 1;
        }
        return out.toString();
    }

    private static boolean visible(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> false;
            default -> true;
        };
    }
}
