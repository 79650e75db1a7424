package io.windowgate;

import org.apache.camel.main.Main;

/** Starts Windowgate: camel-main runs {@link AppConfiguration} and loads the YAML routes. */
public final class WindowgateApplication {

    private WindowgateApplication() {
    }

    public static void main(String[] args) throws Exception {
        // before anything logs, as Log4j reads its configuration once, at the first logger
        String format = System.getProperty("log.format", System.getenv().getOrDefault("LOG_FORMAT", "text"));
        if (format.equals("json")) {
            System.setProperty("log4j2.configurationFile", "classpath:log4j2.properties,classpath:log4j2-json.properties");
        } else if (!format.equals("text")) {
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
