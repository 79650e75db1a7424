package io.windowgate;

import org.apache.camel.main.Main;

/** Starts Windowgate: camel-main runs {@link AppConfiguration} and loads the YAML routes. */
public final class WindowgateApplication {

    private WindowgateApplication() {
    }

    public static void main(String[] args) throws Exception {
        // before anything logs: Log4j names its console appender after the format and, with another value, would
        // start with no log output at all
        String format = System.getProperty("log.format", System.getenv().getOrDefault("LOG_FORMAT", "text"));
        if (!format.equals("text") && !format.equals("json")) {
            System.err.println("LOG_FORMAT (or -Dlog.format) is '" + format + "': use text or json");
            System.exit(2);
        }
        Main main = new Main(WindowgateApplication.class);
        // name the one configuration class instead of letting Camel find it: its base package scan looks for
        // configuration classes, beans and Java routes by reading through the whole shaded jar (inflating every
        // entry), three times per start, which costs a noticeable part of the startup
        main.configure().withBasePackageScanEnabled(false).addConfiguration(AppConfiguration.class);
        main.run(args);
    }
}
