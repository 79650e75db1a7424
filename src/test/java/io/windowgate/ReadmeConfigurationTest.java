package io.windowgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README's configuration table and application.properties stay in step: every key that is not a camel.* key has
 * a row, and every row names a key of the file with its default. (The environment variable of a key is derived by one
 * rule the README states above the table, so the table does not repeat it.)
 *
 * <p>How a default cell is read: {@code *(empty)*} is an empty value; a value {@code {{env:NAME:fallback}}} is shown as
 * its fallback; a cell ending in {@code …} shows the start of a long value; anything else is the value itself.
 */
class ReadmeConfigurationTest {

    /** A table row: | `key` [🔒] | default | meaning |. */
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`[^|]*\\|([^|]*)\\|");
    private static final Pattern ENV_FALLBACK = Pattern.compile("\\{\\{env:[A-Z0-9_]+:(.*)}}");

    private record Row(String shownDefault) {
    }

    @Test
    void everyNonCamelKeyHasARow() throws IOException {
        TreeSet<String> keys = new TreeSet<>(properties().stringPropertyNames());
        keys.removeIf(key -> key.startsWith("camel."));

        assertThat(table().keySet()).as("keys in the README's configuration table").containsAll(keys);
    }

    @Test
    void everyRowNamesAKeyWithItsDefault() throws IOException {
        Properties properties = properties();
        table().forEach((key, row) -> {
            assertThat(properties.containsKey(key)).as("README row %s is a key of application.properties", key).isTrue();
            assertDefault(key, row.shownDefault(), properties.getProperty(key));
        });
    }

    private static void assertDefault(String key, String shown, String value) {
        Matcher env = ENV_FALLBACK.matcher(value);
        String expected = env.matches() ? env.group(1) : value;
        if (shown.equals("*(empty)*")) {
            assertThat(expected).as("default of %s (README: empty)", key).isEmpty();
        } else if (shown.endsWith("…")) {
            assertThat(expected).as("default of %s (README shows its start)", key)
                    .startsWith(shown.substring(0, shown.length() - 1));
        } else {
            assertThat(shown).as("default of %s in the README", key).isEqualTo(expected);
        }
    }

    private static Properties properties() throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"), StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return properties;
    }

    /** The rows of the table under "## Configuration", by key; the default cell without its backticks. */
    private static Map<String, Row> table() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("\n## Configuration\n");
        assertThat(start).as("README has a '## Configuration' section").isNotNegative();
        // the table ends the section's own text: a subsection (### API tokens) has tables of its own
        int end = readme.indexOf("\n#", start + 1);
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : readme.substring(start, end < 0 ? readme.length() : end).split("\n")) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                String shown = row.group(2).trim().replace("`", "");
                assertThat(rows.put(row.group(1), new Row(shown))).as("rows of %s", row.group(1)).isNull();
            }
        }
        assertThat(rows).as("rows of the README's configuration table").isNotEmpty();
        return rows;
    }
}
