package io.windowgate.mail;

import static org.assertj.core.api.Assertions.assertThat;

import io.windowgate.notification.NotificationJson;
import org.junit.jupiter.api.Test;

/** Sender allow-list and text clean-up of the email source. */
class MailIntakeTest {

    private final MailIntake intake = new MailIntake("crm@acme.example; Ops@ACME.example,\n@partner.example", "data",
            new NotificationJson(), null);

    @Test
    void allowsListedAddressesAndDomainsWhateverTheCase() {
        assertThat(intake.isAllowed("crm@acme.example")).isTrue();
        assertThat(intake.isAllowed("OPS@acme.EXAMPLE")).isTrue();
        assertThat(intake.isAllowed("anyone@partner.example")).isTrue();
        assertThat(intake.isAllowed("anyone@sub.partner.example")).isFalse();
        assertThat(intake.isAllowed("crm@acme.example.evil")).isFalse();
        assertThat(intake.isAllowed("partner.example")).isFalse();
        assertThat(intake.isAllowed(null)).isFalse();
    }

    @Test
    void withoutAllowedSendersNobodyIsAllowed() {
        MailIntake closed = new MailIntake(" ", "data", new NotificationJson(), null);
        assertThat(closed.hasAllowedSenders()).isFalse();
        assertThat(closed.isAllowed("crm@acme.example")).isFalse();
    }

    @Test
    void cutsTheSignatureAtTheStandardDelimiter() {
        assertThat(MailIntake.withoutSignature("Hello\r\n-- \r\nACME")).isEqualTo("Hello");
        assertThat(MailIntake.withoutSignature("A -- B\n--\nnot a delimiter")).isEqualTo("A -- B\n--\nnot a delimiter");
    }
}
