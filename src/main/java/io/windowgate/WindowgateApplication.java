package io.windowgate;

import org.apache.camel.main.Main;

/** Starts Windowgate: camel-main finds {@link AppConfiguration} in this package and loads the YAML routes. */
public final class WindowgateApplication {

    private WindowgateApplication() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main(WindowgateApplication.class);
        main.run(args);
    }
}
