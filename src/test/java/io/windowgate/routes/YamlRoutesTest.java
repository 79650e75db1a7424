package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
import com.networknt.schema.path.NodePath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Checks every routes/*.camel.yaml without starting Camel: valid against the YAML DSL's own JSON schema (the
 * schema/camelYamlDsl.json that camel-yaml-dsl ships), written in the canonical form, every route with an id and a
 * routeConfigurationId that exists, and each file named after its main route.
 *
 * <p>The schema accepts the compact forms too (a language with a plain string, a language straight under an EIP or in
 * a when: list): the canonical check finds those itself.
 */
class YamlRoutesTest {

    private static final Path ROUTES = Path.of("routes");
    private static final String SUFFIX = ".camel.yaml";
    private static final String DEFINITIONS = "org.apache.camel.model.";
    private static final String SUB_ELEMENT = DEFINITIONS + "ExpressionSubElementDefinition";
    private static final String LANGUAGE = DEFINITIONS + "language.";
    /** A value Camel resolves from the properties before it converts it, such as autoStartup: "{{mail.enabled}}". */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{[^{}]+}}");

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private static Schema schema;
    /** Languages, such as simple, constant and method. */
    private static Set<String> languages;
    /** Keys whose value carries an expression: (setBody, setHeader, filter, split, loop, the items of when: ...). */
    private static Set<String> expressionKeys;
    /** Keys whose value is a language itself, with no expression: between (handled, continued, retryWhile ...). */
    private static Set<String> subElementKeys;

    @BeforeAll
    static void loadSchema() throws IOException {
        JsonNode json;
        try (InputStream in = YamlRoutesTest.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            assertThat(in).as("schema/camelYamlDsl.json on the classpath (camel-yaml-dsl)").isNotNull();
            json = JsonMapper.builder().build().readTree(in);
        }
        // draft 4, plus the annotation 'deprecated' the schema marks old options with (not a draft 4 keyword)
        Dialect draft4 = Dialect.builder(Dialects.getDraft4()).keyword(new AnnotationKeyword("deprecated")).build();
        schema = SchemaRegistry.withDefaultDialect(draft4).getSchema(json);

        // which keys take an expression, read from the schema rather than listed by hand
        JsonNode definitions = json.path("items").path("definitions");
        languages = new TreeSet<>(definitions.path(SUB_ELEMENT).path("properties").propertyNames());
        expressionKeys = new TreeSet<>();
        subElementKeys = new TreeSet<>();
        for (Map.Entry<String, JsonNode> definition : definitions.properties()) {
            for (Map.Entry<String, JsonNode> property : definition.getValue().path("properties").properties()) {
                String target = refName(property.getValue());
                if (target == null || !definitions.has(target)) {
                    continue;
                }
                if (target.equals(SUB_ELEMENT)) {
                    subElementKeys.add(property.getKey());
                } else if (!target.startsWith(LANGUAGE)
                        && definitions.path(target).path("properties").has("expression")) {
                    expressionKeys.add(property.getKey());
                }
            }
        }
        assertThat(languages).contains("simple", "constant", "method", "jq");
        assertThat(expressionKeys).contains("setBody", "setHeader", "setVariable", "setProperty", "filter", "split",
                "loop", "when");
        assertThat(subElementKeys).contains("handled");
    }

    @Test
    void everyRouteFileIsValidCanonicalAndNamedAfterItsMainRoute() {
        Map<String, JsonNode> files = read(ROUTES);
        assertThat(files).as("route files in " + ROUTES).isNotEmpty();
        assertThat(files.values().stream().mapToLong(YamlRoutesTest::routeCount).sum()).as("routes").isPositive();

        assertThat(problems(files)).as("problems in " + ROUTES + "/*" + SUFFIX).isEmpty();
    }

    /** The check can fail: a file with one of each problem is reported, each with its file, path and remedy. */
    @Test
    void reportsEachProblemOfABadFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("errors" + SUFFIX), """
                - routeConfiguration:
                    id: known-errors
                """);
        Files.writeString(dir.resolve("bad-flow" + SUFFIX), COMPACT_ROUTE + """
                - route:
                    from:
                      uri: direct:no-id
                      steps:
                        - log:
                            message: "a route without an id"
                - route:
                    id: other-flow
                    routeConfigurationId: missing-errors
                    from:
                      uri: direct:other-flow
                      steps:
                        - setBodyy:
                            constant:
                              expression: "a key the schema does not know"
                """);

        List<String> problems = problems(read(dir));

        String bad = "bad-flow" + SUFFIX + " ";
        assertReported(problems, bad + "$[0].route.from.steps[0].setBody.simple",
                "write expression: {simple: {expression: ...}}");
        assertReported(problems, bad + "$[0].route.from.steps[1].setHeader.constant",
                "write expression: {constant: {expression: ...}}");
        assertReported(problems, bad + "$[0].route.from.steps[2].setBody.method",
                "write expression: {method: {ref: ..., method: ...}}");
        assertReported(problems, bad + "$[0].route.from.steps[3].choice.when[0].simple",
                "write expression: {simple: {expression: ...}}");
        assertReported(problems, bad + "$[0].route.from.steps[4].setBody.expression.simple",
                "write simple: {expression: ...}");
        assertReported(problems, bad + "$[0].route.from.steps[5].filter.expression.jq", "write jq: {expression: ...}");
        assertReported(problems, bad + "$[0].route.from.steps[6].doTry.doCatch[0].onWhen.simple",
                "write expression: {simple: {expression: ...}}");
        assertReported(problems, bad + "$[1].route", "has no id");
        assertReported(problems, bad + "$[1].route", "names no routeConfigurationId");
        assertReported(problems, bad + "$[2].route (other-flow)", "routeConfigurationId missing-errors", "known-errors");
        assertReported(problems, bad.trim() + ": no route with id bad-flow");
        assertReported(problems, bad + "$[2].route.from.steps[0]", "schema", "setBodyy");
        // the compact route is otherwise in order: nothing else is reported for it
        assertThat(problems).noneSatisfy(p -> assertThat(p).contains("compact-flow").contains("routeConfigurationId"));
    }

    /** Why the canonical check exists: the schema alone accepts the compact forms (all of COMPACT_ROUTE). */
    @Test
    void theSchemaAloneAcceptsTheCompactForms() {
        JsonNode compact = YAML.readTree(COMPACT_ROUTE);

        assertThat(schemaProblems("compact" + SUFFIX, compact)).isEmpty();
        assertThat(compactForms("compact" + SUFFIX, compact)).hasSize(7);
    }

    /** Every compact form the canonical check knows, in an otherwise valid route. */
    private static final String COMPACT_ROUTE = """
            - route:
                id: compact-flow
                routeConfigurationId: known-errors
                from:
                  uri: direct:compact-flow
                  steps:
                    - setBody:
                        simple: "${body}"
                    - setHeader:
                        name: CamelHttpResponseCode
                        constant: "400"
                    - setBody:
                        method:
                          ref: someBean
                          method: someMethod
                    - choice:
                        when:
                          - simple: "${body} == null"
                            steps:
                              - stop: {}
                    - setBody:
                        expression:
                          simple: "${body}"
                    - filter:
                        expression:
                          jq: ".ok"
                        steps:
                          - stop: {}
                    - doTry:
                        steps:
                          - log:
                              message: "try"
                        doCatch:
                          - exception:
                              - java.lang.Exception
                            onWhen:
                              simple: "${exception} != null"
                            steps:
                              - log:
                                  message: "caught"
            """;

    /** One of the problems contains all the parts. */
    private static void assertReported(List<String> problems, String... parts) {
        assertThat(problems).anySatisfy(problem -> assertThat(problem).contains(parts));
    }

    // ------------------------------------------------------------------------------------------------------------

    private static Map<String, JsonNode> read(Path dir) {
        Map<String, JsonNode> files = new LinkedHashMap<>();
        try (Stream<Path> paths = Files.list(dir)) {
            for (Path file : paths.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                files.put(file.getFileName().toString(), YAML.readTree(Files.readString(file)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Every problem of the files (file name to its YAML), one line each: the file, where, what is wrong. */
    static List<String> problems(Map<String, JsonNode> files) {
        List<String> problems = new ArrayList<>();
        Set<String> configurationIds = new TreeSet<>();
        files.values().forEach(doc -> items(doc, "routeConfiguration").values()
                .forEach(configuration -> configurationIds.add(configuration.path("id").asString(""))));
        configurationIds.remove("");

        files.forEach((file, doc) -> {
            problems.addAll(schemaProblems(file, doc));
            problems.addAll(compactForms(file, doc));
            Map<String, JsonNode> routes = items(doc, "route");
            routes.forEach((path, route) -> {
                String id = route.path("id").asString("");
                String where = file + " " + path + (id.isEmpty() ? "" : " (" + id + ")");
                if (id.isEmpty()) {
                    problems.add(where + ": the route has no id; give it one (its file's name for the main route)");
                }
                String configuration = route.path("routeConfigurationId").asString("");
                if (configuration.isEmpty()) {
                    problems.add(where + ": the route names no routeConfigurationId; name one of " + configurationIds
                            + " (routes/error-handling.camel.yaml) that says what happens when it fails");
                } else if (!configurationIds.contains(configuration)) {
                    problems.add(where + ": routeConfigurationId " + configuration + " is not the id of any"
                            + " routeConfiguration; known: " + configurationIds);
                }
            });
            String main = file.substring(0, file.length() - SUFFIX.length());
            if (!routes.isEmpty()
                    && routes.values().stream().noneMatch(r -> main.equals(r.path("id").asString("")))) {
                problems.add(file + ": no route with id " + main + ": name the file after its main route, or split it");
            }
            if (routes.isEmpty() && items(doc, "routeConfiguration").isEmpty()) {
                problems.add(file + ": holds neither a route nor a routeConfiguration");
            }
        });
        return problems;
    }

    /** Schema errors, except a property placeholder where the schema asks for a boolean or a number. */
    static List<String> schemaProblems(String file, JsonNode doc) {
        List<String> problems = new ArrayList<>();
        for (Error error : schema.validate(doc)) {
            JsonNode value = error.getInstanceNode();
            boolean placeholder = "type".equals(error.getKeyword()) && value != null && value.isString()
                    && PLACEHOLDER.matcher(value.stringValue()).matches();
            if (!placeholder) {
                problems.add(file + " " + path(error.getInstanceLocation()) + ": schema: " + message(error));
            }
        }
        return problems;
    }

    /** A schema error's location written like the other checks' paths: $[2].route.from.steps[0]. */
    private static String path(NodePath location) {
        StringBuilder path = new StringBuilder("$");
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            path.append(element instanceof Integer ? "[" + element + "]" : "." + element);
        }
        return path.toString();
    }

    /** The validator's message with its arguments filled in (some messages leave placeholders such as '{1}'). */
    private static String message(Error error) {
        String message = error.getMessage();
        Object[] arguments = error.getArguments() == null ? new Object[0] : error.getArguments();
        for (int i = 0; i < arguments.length; i++) {
            message = message.replace("{" + (i + 1) + "}", String.valueOf(arguments[i]));
        }
        return message;
    }

    /** Expressions written in a compact form, each with the canonical form to write instead. */
    static List<String> compactForms(String file, JsonNode doc) {
        List<String> found = new ArrayList<>();
        compactForms(doc, null, "$", file, found);
        return found;
    }

    private static void compactForms(JsonNode node, String key, String path, String file, List<String> found) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                // the items of a list (when:, doCatch:) stand where the list's key does
                compactForms(node.get(i), key, path + "[" + i + "]", file, found);
            }
            return;
        }
        if (!node.isObject() || "parameters".equals(key)) {
            return; // endpoint options are a free map
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String name = entry.getKey();
            JsonNode value = entry.getValue();
            String at = file + " " + path + "." + name;
            if (languages.contains(name) && expressionKeys.contains(key)) {
                found.add(at + ": compact " + name + " directly under " + key + "; write expression: {" + name + ": "
                        + ("method".equals(name) ? "{ref: ..., method: ...}" : "{expression: ...}") + "}");
            } else if (languages.contains(name) && value.isValueNode()
                    && ("expression".equals(key) || subElementKeys.contains(key))) {
                found.add(at + ": compact " + name + " with a plain value; write " + name + ": {expression: ...}");
            }
            compactForms(value, name, path + "." + name, file, found);
        }
    }

    /** The top-level items of one kind (route, routeConfiguration) by their path, such as $[2].route. */
    private static Map<String, JsonNode> items(JsonNode doc, String kind) {
        Map<String, JsonNode> items = new LinkedHashMap<>();
        for (int i = 0; i < doc.size(); i++) {
            if (doc.get(i).has(kind)) {
                items.put("$[" + i + "]." + kind, doc.get(i).get(kind));
            }
        }
        return items;
    }

    private static long routeCount(JsonNode doc) {
        return items(doc, "route").size();
    }

    private static String refName(JsonNode property) {
        String ref = property.path("$ref").asString(property.path("items").path("$ref").asString(""));
        return ref.isEmpty() ? null : ref.substring(ref.lastIndexOf('/') + 1);
    }
}
