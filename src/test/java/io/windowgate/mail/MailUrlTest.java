package io.windowgate.mail;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** mail.url: the mailbox's server alone; every option has its mail.* property, and no message repeats a password. */
class MailUrlTest {

    private static final String REMOVE = "mail.url must name the mailbox's server alone, such as "
            + "imaps://imap.example.com:993; Windowgate sets the mailbox's options from mail.* properties. "
            + "Remove from mail.url: ";

    @Test
    void aServerAloneIsAccepted() {
        for (String url : new String[] {"imaps://imap.example.com:993", "imap://127.0.0.1:143", "imaps://mail.acme",
            " imap://[::1]:143 ", "IMAPS://imap.example.com:993", "imaps://imap.example.com:993/"}) {
            assertThatCode(() -> MailUrl.check(url)).as(url).doesNotThrowAnyException();
        }
    }

    @Test
    void eachOptionNamesItsMailProperty() {
        assertThatThrownBy(() -> MailUrl.check("imaps://imap.example.com:993?userName=w&folderName=Orders&delay=5000"
                + "&maxMessagesPerPoll=10&moveTo=Done&delay=6000"))
                .hasMessage(REMOVE + "userName (set mail.username instead), folderName (set mail.folder instead), "
                        + "delay (set mail.poll-interval-ms instead), maxMessagesPerPoll (set mail.max-per-poll "
                        + "instead), moveTo (set mail.processed-folder instead)");
    }

    @Test
    void optionsTheRouteSetsOrDoesNotOfferAreNamedAsSuch() {
        assertThatThrownBy(() -> MailUrl.check("imap://mail.acme:143?delete=true&unseen=false&peek&connectionTimeout=1"))
                .hasMessage(REMOVE + "delete (Windowgate sets it itself), unseen (Windowgate sets it itself), peek "
                        + "(Windowgate has no setting for it), connectionTimeout (Windowgate has no setting for it)");
    }

    @Test
    void aPasswordInTheUrlIsNeverRepeated() {
        assertThatThrownBy(() -> MailUrl.check("imaps://imap.example.com:993?password=RAW(s3&cr=3t)&peek=true"))
                .hasMessage(REMOVE + "password (set mail.password instead, best by the environment variable "
                        + "MAIL_PASSWORD), peek (Windowgate has no setting for it)");
        assertThatThrownBy(() -> MailUrl.check("imaps://imap.example.com:993?password=RAW{s3&cr)3t}"))
                .hasMessage(REMOVE + "password (set mail.password instead, best by the environment variable "
                        + "MAIL_PASSWORD)");
        assertThatThrownBy(() -> MailUrl.check("imaps://imap.example.com:993?password=s3&cr%3t"))
                .hasMessage(REMOVE + "password (set mail.password instead, best by the environment variable "
                        + "MAIL_PASSWORD), an option whose name is no word (Windowgate has no setting for it)");
        assertThatThrownBy(() -> MailUrl.check("imaps://windowgate:s3cr3t@imap.example.com:993/Orders"))
                .hasMessage(REMOVE + "the login before '@' (set mail.username and mail.password instead, the "
                        + "password best by the environment variable MAIL_PASSWORD), the path after the port (set the "
                        + "folder as mail.folder instead)");
        assertThatThrownBy(() -> MailUrl.check("pop3s://windowgate:s3cr3t@pop.example.com:995"))
                .hasMessage("mail.url must be an imap:// or imaps:// URL such as imaps://imap.example.com:993, not "
                        + "pop3s://");
    }

    @Test
    void aUrlWithoutSchemeOrServerIsRefused() {
        assertThatThrownBy(() -> MailUrl.check("imap.example.com:993")).hasMessage("mail.url must be an imap:// or "
                + "imaps:// URL such as imaps://imap.example.com:993, and has no scheme://");
        assertThatThrownBy(() -> MailUrl.check("imaps://:993"))
                .hasMessage("mail.url names no server: write it as imaps://imap.example.com:993");
        assertThatThrownBy(() -> MailUrl.check("imaps://"))
                .hasMessage("mail.url names no server: write it as imaps://imap.example.com:993");
    }
}
