package io.windowgate.mail;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks mail.url before the mail route is built from it. The route appends the mailbox's options to mail.url itself
 * (routes/mail-ingest.camel.yaml), from the mail.* properties and from choices that make the email source what it is
 * (only unseen mails, never deleted, one node per mail). A URL that brings options of its own, as a Camel endpoint URI
 * does, would give Camel each option twice and fail the start with a property-binding stack trace, or, merged, could
 * override those choices (delete=true would delete mails). So mail.url is the server alone, and an option in it stops
 * the start with the mail.* property to use instead.
 *
 * <p>No message repeats the URL or an option's value: a URL written this way often carries the mailbox's password.
 */
public final class MailUrl {

    /** The URL options that have a mail.* property, with the property (the password is told apart below). */
    private static final Map<String, String> PROPERTIES = Map.of(
            "username", "mail.username",
            "foldername", "mail.folder",
            "delay", "mail.poll-interval-ms",
            "maxmessagesperpoll", "mail.max-per-poll",
            "moveto", "mail.processed-folder");
    /** The URL options the route sets itself, whatever the configuration says. */
    private static final Set<String> FIXED = Set.of("unseen", "delete", "mapmailmessage", "idempotentrepository",
            "idempotentrepositoryremoveoncommit", "mailuidgenerator");
    private static final java.util.regex.Pattern OPTION_NAME = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");
    private static final String EXAMPLE = "imaps://imap.example.com:993";

    private MailUrl() {
    }

    /** Refuses a mail.url that is more than imap:// or imaps://, a host and a port, saying what to do instead. */
    public static void check(String url) {
        String trimmed = url.strip();
        int schemeEnd = trimmed.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : trimmed.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        if (!scheme.equals("imap") && !scheme.equals("imaps")) {
            throw new IllegalStateException("mail.url must be an imap:// or imaps:// URL such as " + EXAMPLE
                    + (schemeEnd < 0 ? ", and has no scheme://" : ", not " + scheme + "://"));
        }
        String rest = trimmed.substring(schemeEnd + 3);
        int queryStart = rest.indexOf('?');
        String query = queryStart < 0 ? "" : rest.substring(queryStart + 1);
        String beforeQuery = queryStart < 0 ? rest : rest.substring(0, queryStart);
        int at = beforeQuery.lastIndexOf('@');
        String hostAndPath = beforeQuery.substring(at + 1);
        int slash = hostAndPath.indexOf('/');
        String host = slash < 0 ? hostAndPath : hostAndPath.substring(0, slash);
        String path = slash < 0 ? "" : hostAndPath.substring(slash + 1);

        List<String> remove = new ArrayList<>();
        if (at >= 0) {
            remove.add("the login before '@' (set mail.username and mail.password instead, the password best by the "
                    + "environment variable MAIL_PASSWORD)");
        }
        if (!path.isEmpty()) {
            remove.add("the path after the port (set the folder as mail.folder instead)");
        }
        for (String option : optionNames(query)) {
            String key = option.toLowerCase(Locale.ROOT);
            String property = PROPERTIES.get(key);
            if (key.equals("password")) {
                remove.add(option + " (set mail.password instead, best by the environment variable MAIL_PASSWORD)");
            } else if (property != null) {
                remove.add(option + " (set " + property + " instead)");
            } else if (FIXED.contains(key)) {
                remove.add(option + " (Windowgate sets it itself)");
            } else {
                remove.add(option + " (Windowgate has no setting for it)");
            }
        }
        if (!remove.isEmpty()) {
            throw new IllegalStateException("mail.url must name the mailbox's server alone, such as " + EXAMPLE
                    + "; Windowgate sets the mailbox's options from mail.* properties. Remove from mail.url: "
                    + String.join(", ", remove));
        }
        if (host.isBlank() || host.startsWith(":")) {
            throw new IllegalStateException("mail.url names no server: write it as " + EXAMPLE);
        }
    }

    /**
     * The names of a query's options, each once, in their order; the values are never read. A RAW(...) or RAW{...}
     * value, as Camel writes a password, may hold '&amp;', so it is skipped whole; a name that is not a word is
     * reported without its text, as it may be a piece of a password that held '&amp;' unescaped.
     */
    private static Set<String> optionNames(String query) {
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        while (i < query.length()) {
            int equals = query.indexOf('=', i);
            int amp = query.indexOf('&', i);
            int nameEnd = amp < 0 ? query.length() : amp;
            if (equals >= 0 && equals < nameEnd) {
                nameEnd = equals;
                amp = valueEnd(query, equals + 1);
            }
            String name = query.substring(i, nameEnd).strip();
            if (!name.isEmpty()) {
                names.add(OPTION_NAME.matcher(name).matches() ? name : "an option whose name is no word");
            }
            i = amp < 0 ? query.length() : amp + 1;
        }
        return names;
    }

    /** Where the value starting at {@code start} ends: the next '&amp;' (or -1), past a RAW value's closing bracket. */
    private static int valueEnd(String query, int start) {
        for (String[] raw : new String[][] {{"RAW(", ")"}, {"RAW{", "}"}}) {
            if (query.startsWith(raw[0], start)) {
                int close = query.indexOf(raw[1] + "&", start);
                return close < 0 ? -1 : close + 1;
            }
        }
        return query.indexOf('&', start);
    }
}
