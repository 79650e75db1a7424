package io.windowgate;

import org.apache.camel.main.Main;

/** Starts Windowgate: camel-main runs {@link AppConfiguration} and loads the YAML routes. */
public final class WindowgateApplication {

    private WindowgateApplication() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main(WindowgateApplication.class);
        // name the one configuration class instead of letting Camel find it: its base package scan looks for
        // configuration classes, beans and Java routes by reading through the whole shaded jar (inflating every
        // entry), three times per start, which costs a noticeable part of the startup
        main.configure().withBasePackageScanEnabled(false).addConfiguration(AppConfiguration.class);
        main.run(args);
    }
}
