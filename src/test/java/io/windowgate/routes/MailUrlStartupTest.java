package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import io.windowgate.AppConfiguration;
import io.windowgate.WindowgateApplication;
import org.apache.camel.main.Main;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real application started as the jar starts it, with a mail.url written the way a Camel endpoint URI is. */
class MailUrlStartupTest {

    @TempDir
    Path dropDir;

    @Test
    void aMailUrlWithCamelOptionsStopsTheStartNamingTheMailPropertyOfEach() throws Exception {
        Throwable failure = start("imaps://imap.example.com:993?username=windowgate&password=s3cr3t-Pa55&delay=60000"
                + "&peek=false");

        Throwable reason = rootCause(failure);
        assertThat(reason).isInstanceOf(IllegalStateException.class);
        assertThat(reason.getMessage()).isEqualTo("mail.url must name the mailbox's server alone, such as "
                + "imaps://imap.example.com:993; Windowgate sets the mailbox's options from mail.* properties. "
                + "Remove from mail.url: username (set mail.username instead), password (set mail.password instead, "
                + "best by the environment variable MAIL_PASSWORD), delay (set mail.poll-interval-ms instead), peek "
                + "(Windowgate has no setting for it)");
        assertThat(stackTraceOf(failure)).doesNotContain("s3cr3t-Pa55");
    }

    /** Starts the app on a private in-memory database and free ports; the failure that stopped it, or null. */
    private Throwable start(String mailUrl) throws Exception {
        Main main = new Main(WindowgateApplication.class);
        main.configure().withBasePackageScanEnabled(false).addConfiguration(AppConfiguration.class);
        main.addOverrideProperty("camel.server.port", Integer.toString(AvailablePortFinder.getNextAvailable()));
        main.addOverrideProperty("camel.management.port", Integer.toString(AvailablePortFinder.getNextAvailable()));
        main.addOverrideProperty("db.url", "jdbc:hsqldb:mem:mail-url-" + UUID.randomUUID() + ";hsqldb.tx=mvcc");
        main.addOverrideProperty("drop.dir", Files.createDirectories(dropDir.resolve("inbox")).toString());
        main.addOverrideProperty("mail.url", mailUrl);
        main.addOverrideProperty("mail.allowed-senders", "crm@acme.example");
        Throwable failure = catchThrowable(main::start);
        main.stop();
        return failure;
    }

    private static Throwable rootCause(Throwable failure) {
        assertThat(failure).as("the start failed").isNotNull();
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String stackTraceOf(Throwable failure) {
        java.io.StringWriter out = new java.io.StringWriter();
        failure.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }
}
