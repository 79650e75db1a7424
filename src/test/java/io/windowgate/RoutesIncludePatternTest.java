package io.windowgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * application.properties names every route file instead of a wildcard (a wildcard makes Camel read through the whole
 * shaded jar at every start): this keeps the list and the routes/ folder the same.
 */
class RoutesIncludePatternTest {

    @Test
    void everyRouteFileIsListedAndEveryListedFileExists() throws Exception {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"), StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        List<String> listed = Arrays.stream(properties.getProperty("camel.main.routes-include-pattern").split(","))
                .map(String::trim).sorted().toList();
        List<String> files;
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            files = routes.map(p -> p.getFileName().toString()).filter(name -> name.endsWith(".camel.yaml"))
                    .map(name -> "classpath:routes/" + name).sorted().toList();
        }

        assertThat(files).isNotEmpty();
        assertThat(listed).as("camel.main.routes-include-pattern in application.properties").isEqualTo(files);
    }
}
