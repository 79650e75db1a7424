package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import io.windowgate.notification.Status;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

/** With mail.processed-folder set, processed mails (good and malformed alike) are moved out of the inbox. */
class MailMoveRouteTest extends MailRouteTestSupport {

    @Override
    Properties mailProperties() {
        Properties p = new Properties();
        p.setProperty("mail.processed-folder", "Processed");
        return p;
    }

    @Test
    void processedMailsAreMovedToTheConfiguredFolder() throws Exception {
        windows().recordInbound("+14155550101", Instant.now().minusSeconds(60), "wamid.in.1");
        MimeMessage good = mail("<move-1@acme.example>", ALLOWED, "+14155550101");
        good.setText("Moved after sending", "UTF-8");
        MimeMessage malformed = mail("<move-2@acme.example>", ALLOWED, "no number here");
        malformed.setText("text", "UTF-8");

        deliver(good);
        deliver(malformed);

        await().atMost(Duration.ofSeconds(20)).until(() -> statusOf(idOf("<move-1@acme.example>")) == Status.SENT);
        await().atMost(Duration.ofSeconds(20)).until(() -> folder("Processed").size() == 2);
        assertThat(folder("INBOX")).allMatch(m -> m.isSet(jakarta.mail.Flags.Flag.DELETED));
    }
}
