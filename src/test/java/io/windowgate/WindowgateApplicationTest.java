package io.windowgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.Configuration;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PackageScanClassResolver;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;

/**
 * The packaged app does not scan its base package (reading the whole shaded jar costs a second of every start):
 * WindowgateApplication names AppConfiguration instead. The route tests still scan, so a second configuration class,
 * a {@code @BindToRegistry} bean or a Java route would work in them and be missing from the jar; this test fails first.
 */
class WindowgateApplicationTest {

    @Test
    void appConfigurationIsTheOnlyClassThatBasePackageScanningWouldFind() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            PackageScanClassResolver resolver = PluginHelper.getPackageScanClassResolver(context);
            Set<Class<?>> found = new HashSet<>();
            found.addAll(resolver.findImplementations(CamelConfiguration.class, "io.windowgate"));
            found.addAll(resolver.findAnnotated(Configuration.class, "io.windowgate"));
            found.addAll(resolver.findAnnotated(BindToRegistry.class, "io.windowgate"));
            found.addAll(resolver.findImplementations(RoutesBuilder.class, "io.windowgate"));

            assertThat(found).as("classes camel-main would find by scanning io.windowgate; register any new one in "
                    + "WindowgateApplication.main").containsExactly(AppConfiguration.class);
        }
    }
}
