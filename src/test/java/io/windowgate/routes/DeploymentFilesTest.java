package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The deployment files in deploy/ against the application they deploy: read as YAML (and JSON), every environment
 * variable they set is a key of application.properties, the ports are the app's, the probe and scrape paths answer on
 * the running app's management port, both compose nodes share the database and the drop folder, Prometheus scrapes
 * both, and the secret template holds no secret. (No Kubernetes or compose schema validator is served to this build;
 * the fields that matter are checked here instead.) The compose topology itself, two nodes on one PostgreSQL with one
 * drop folder, is what MultiNodeIT starts without containers.
 */
class DeploymentFilesTest extends RouteTestSupport {

    private static final Path DEPLOY = Path.of("deploy");
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    /** The log format is read by Log4j before the app's configuration, so it is no key of application.properties. */
    private static final String LOG_FORMAT = "LOG_FORMAT";

    private static JsonNode yaml(String file) {
        return YAML.readTree(DEPLOY.resolve(file).toFile());
    }

    /** The documents of a multi-document YAML file, by kind. */
    private static Map<String, JsonNode> kinds(String file) throws IOException {
        Map<String, JsonNode> byKind = new HashMap<>();
        for (JsonNode document : YAML.readerFor(JsonNode.class).<JsonNode>readValues(DEPLOY.resolve(file).toFile())
                .readAll()) {
            byKind.put(document.path("kind").asString(), document);
        }
        return byKind;
    }

    private static Properties applicationProperties() throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"), StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return properties;
    }

    /** The default of a port key, written {{env:NAME:default}} in application.properties. */
    private static String defaultPort(String key) throws IOException {
        Matcher m = Pattern.compile("\\{\\{env:[A-Z_]+:(\\d+)}}").matcher(applicationProperties().getProperty(key));
        assertThat(m.matches()).as(key).isTrue();
        return m.group(1);
    }

    /** The environment variable of every key of application.properties. */
    private static Set<String> environmentVariables() throws IOException {
        Set<String> names = new HashSet<>();
        for (String key : applicationProperties().stringPropertyNames()) {
            names.add(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        names.add(LOG_FORMAT);
        return names;
    }

    private static Map<String, String> map(JsonNode object) {
        Map<String, String> values = new HashMap<>();
        object.properties().forEach(e -> values.put(e.getKey(), e.getValue().asString()));
        return values;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }

    @Test
    void theComposeNodesAreAlikeAndShareTheDatabaseAndTheDropFolder() throws IOException {
        JsonNode services = yaml("compose.yaml").path("services");
        JsonNode a = services.path("node-a");
        JsonNode b = services.path("node-b");
        assertThat(a.path("image").asString()).isNotEmpty().isEqualTo(b.path("image").asString());
        assertThat(a.path("build").path("context").asString()).isEqualTo("..");
        Map<String, String> env = map(a.path("environment"));
        assertThat(map(b.path("environment"))).as("both nodes configured alike").isEqualTo(env);
        assertThat(environmentVariables()).as("variables of application.properties keys").containsAll(env.keySet());
        assertThat(env).as("sandbox provider").doesNotContainKey("WHATSAPP_ACCESS_TOKEN");

        Map<String, String> postgres = map(services.path("postgres").path("environment"));
        assertThat(env.get("DB_URL")).isEqualTo("jdbc:postgresql://postgres:5432/" + postgres.get("POSTGRES_DB"));
        assertThat(env.get("DB_USERNAME")).isEqualTo(postgres.get("POSTGRES_USER"));
        assertThat(env.get("DB_PASSWORD")).isEqualTo(postgres.get("POSTGRES_PASSWORD"));

        String inbox = strings(a.path("volumes")).get(0);
        assertThat(strings(b.path("volumes"))).containsExactly(inbox);
        assertThat(inbox).isEqualTo(inbox.split(":")[0] + ":" + env.get("DROP_DIR"));
        assertThat(yaml("compose.yaml").path("volumes").has(inbox.split(":")[0])).as("a named volume").isTrue();

        String http = defaultPort("camel.server.port");
        String management = defaultPort("camel.management.port");
        for (JsonNode node : List.of(a, b)) {
            assertThat(strings(node.path("ports"))).allMatch(p -> p.endsWith(":" + http) || p.endsWith(":" + management))
                    .hasSize(2);
        }
    }

    @Test
    void prometheusScrapesBothNodesOnTheManagementPortAndLoadsTheAlerts() throws Exception {
        JsonNode compose = yaml("compose.yaml");
        JsonNode prometheus = yaml("prometheus/prometheus.yml");
        String management = defaultPort("camel.management.port");
        JsonNode job = prometheus.path("scrape_configs").get(0);
        assertThat(strings(job.path("static_configs").get(0).path("targets")))
                .containsExactlyInAnyOrder("node-a:" + management, "node-b:" + management);
        String metricsPath = job.path("metrics_path").asString();
        assertThat(getManagement(metricsPath).statusCode()).as("GET %s", metricsPath).isEqualTo(200);

        List<String> mounts = strings(compose.path("services").path("prometheus").path("volumes"));
        for (String mount : mounts) {
            String[] parts = mount.split(":");
            assertThat(DEPLOY.resolve(parts[0])).as("mounted file %s", parts[0]).isRegularFile();
        }
        assertThat(mounts).anyMatch(m -> m.contains(":" + strings(prometheus.path("rule_files")).get(0) + ":"));
        JsonNode rules = yaml("prometheus/alerts.yaml").path("groups").get(0).path("rules");
        assertThat(rules.findValuesAsString("alert")).contains("WindowgateSendingPaused", "WindowgateOutboxNotDraining",
                "WindowgateProviderErrorRate", "WindowgateWebhookLag");
        assertServed(rules.findValuesAsString("expr"));
    }

    @Test
    void theDeploymentProbesAndScrapesTheAppsOwnPathsAndPorts() throws Exception {
        Map<String, JsonNode> deployment = kinds("kubernetes/deployment.yaml");
        JsonNode pod = deployment.get("Deployment").path("spec").path("template");
        JsonNode container = pod.path("spec").path("containers").get(0);
        Map<String, String> ports = new HashMap<>();
        container.path("ports").forEach(p -> ports.put(p.path("name").asString(), p.path("containerPort").asString()));
        assertThat(ports).containsEntry("http", defaultPort("camel.server.port"))
                .containsEntry("management", defaultPort("camel.management.port"));

        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            assertThat(get.path("port").asString()).as(probe).isEqualTo("management");
            assertThat(getManagement(get.path("path").asString()).statusCode()).as(probe + " on the app").isEqualTo(200);
        }
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asString()).endsWith("/ready");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asString()).endsWith("/live");

        JsonNode annotations = pod.path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/port").asString()).isEqualTo(ports.get("management"));
        assertThat(getManagement(annotations.path("prometheus.io/path").asString()).body())
                .contains("windowgate_outbox_due");

        assertThat(strings(container.path("command"))).anyMatch(o -> o.startsWith("-XX:MaxRAMPercentage="))
                .contains("-jar");
        JsonNode resources = container.path("resources");
        assertThat(resources.path("limits").path("memory").asString()).isNotEmpty()
                .isEqualTo(resources.path("requests").path("memory").asString());
        assertThat(resources.path("requests").path("cpu").asString()).isNotEmpty();

        String dropDir = map(kinds("kubernetes/configmap.yaml").get("ConfigMap").path("data")).get("DROP_DIR");
        JsonNode mount = container.path("volumeMounts").get(0);
        assertThat(mount.path("mountPath").asString()).isEqualTo(dropDir);
        JsonNode claim = deployment.get("PersistentVolumeClaim");
        assertThat(strings(claim.path("spec").path("accessModes"))).containsExactly("ReadWriteMany");
        assertThat(pod.path("spec").path("volumes").get(0).path("persistentVolumeClaim").path("claimName").asString())
                .isEqualTo(claim.path("metadata").path("name").asString());
    }

    @Test
    void configurationAndSecretsAreKeysOfTheAppAndTheSecretTemplateHoldsNone() throws IOException {
        JsonNode container = kinds("kubernetes/deployment.yaml").get("Deployment").path("spec").path("template")
                .path("spec").path("containers").get(0);
        JsonNode configMap = kinds("kubernetes/configmap.yaml").get("ConfigMap");
        JsonNode secret = kinds("kubernetes/secret.yaml").get("Secret");
        assertThat(container.path("envFrom").findValuesAsString("name"))
                .containsExactlyInAnyOrder(configMap.path("metadata").path("name").asString(),
                        secret.path("metadata").path("name").asString());

        Map<String, String> config = map(configMap.path("data"));
        Map<String, String> secrets = map(secret.path("stringData"));
        assertThat(environmentVariables()).containsAll(config.keySet()).containsAll(secrets.keySet());
        Pattern secretName = Pattern.compile("TOKEN|SECRET|PASSWORD");
        assertThat(config.keySet()).as("no secret in the ConfigMap").noneMatch(k -> secretName.matcher(k).find());
        assertThat(secrets.keySet()).as("only secrets in the Secret").allMatch(k -> secretName.matcher(k).find());
        assertThat(secrets.values()).as("a template: no value filled in").allMatch(String::isEmpty);
    }

    @Test
    void theServiceAndTheDisruptionBudgetSelectThePodsAndAlwaysLeaveOneRunning() throws IOException {
        JsonNode deployment = kinds("kubernetes/deployment.yaml").get("Deployment");
        Map<String, String> podLabels = map(deployment.path("spec").path("template").path("metadata").path("labels"));
        JsonNode service = kinds("kubernetes/service.yaml").get("Service");
        JsonNode budget = kinds("kubernetes/poddisruptionbudget.yaml").get("PodDisruptionBudget");
        assertThat(podLabels).containsAllEntriesOf(map(service.path("spec").path("selector")))
                .containsAllEntriesOf(map(budget.path("spec").path("selector").path("matchLabels")))
                .containsAllEntriesOf(map(deployment.path("spec").path("selector").path("matchLabels")));
        assertThat(service.path("spec").path("ports").findValuesAsString("targetPort"))
                .containsExactlyInAnyOrder("http", "management");
        assertThat(budget.path("spec").path("minAvailable").asInt()).isPositive()
                .isLessThan(deployment.path("spec").path("replicas").asInt());
    }

    @Test
    void theDashboardIsJsonAndEveryMetricItUsesIsOnePrometheusGetsFromTheApp() throws Exception {
        JsonNode dashboard = JsonMapper.builder().build().readTree(DEPLOY.resolve("grafana/windowgate-dashboard.json")
                .toFile());
        List<String> expressions = dashboard.findValuesAsString("expr");
        assertThat(expressions).hasSizeGreaterThan(5);
        assertServed(expressions);
    }

    /** Every windowgate_* metric the expressions use is served by the running app's /observe/metrics. */
    private void assertServed(List<String> expressions) throws Exception {
        String served = getManagement("/observe/metrics").body();
        Matcher names = Pattern.compile("windowgate_\\w+").matcher(String.join("\n", expressions));
        while (names.find()) {
            // a counter appears with its first increment: BusinessMetricsRouteTest reads it after a provider error
            if (!names.group().equals("windowgate_provider_errors_total")) {
                assertThat(served).as("served by /observe/metrics").containsPattern("(?m)^" + names.group() + "[{ ]");
            }
        }
    }
}
