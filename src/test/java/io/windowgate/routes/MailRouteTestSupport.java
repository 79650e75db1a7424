package io.windowgate.routes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

import com.icegreen.greenmail.store.StoredMessage;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.windowgate.mail.MailIntake;
import io.windowgate.store.SourceStore;
import jakarta.mail.Flags;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;

/** Route tests of the email source against GreenMail, a real IMAP server, on a free port per test. */
abstract class MailRouteTestSupport extends RouteTestSupport {

    static final String MAILBOX = "windowgate@acme.example";
    static final String ALLOWED = "crm@acme.example";

    GreenMail mailServer;
    GreenMailUser mailbox;
    final Session session = Session.getInstance(new Properties());

    @Override
    Properties extraProperties() {
        mailServer = new GreenMail(ServerSetupTest.IMAP.dynamicPort());
        mailServer.start();
        mailbox = mailServer.setUser(MAILBOX, "windowgate", "mail-secret");
        Properties p = new Properties();
        p.setProperty("mail.url", "imap://127.0.0.1:" + mailServer.getImap().getPort());
        p.setProperty("mail.username", "windowgate");
        p.setProperty("mail.password", "mail-secret");
        p.setProperty("mail.allowed-senders", ALLOWED + ", @ops.acme.example");
        p.setProperty("mail.poll-interval-ms", "200");
        p.putAll(mailProperties());
        return p;
    }

    Properties mailProperties() {
        return new Properties();
    }

    @AfterEach
    void stopMailServer() throws Exception {
        if (context != null) {
            context.getRouteController().stopRoute("mail-ingest"); // before the server goes, so no poll hits a dead socket
        }
        if (mailServer != null) {
            mailServer.stop();
        }
    }

    /** A new mail with a fixed Message-ID (MimeMessage would otherwise make a new one on every save). */
    MimeMessage mail(String messageId, String from, String subject) throws MessagingException {
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        message.setFrom(new InternetAddress(from));
        message.setRecipient(jakarta.mail.Message.RecipientType.TO, new InternetAddress(MAILBOX));
        message.setSubject(subject, "UTF-8");
        return message;
    }

    void deliver(MimeMessage message) throws MessagingException {
        message.saveChanges();
        mailbox.deliver(message);
    }

    /** The mails in the mailbox's folder, as the IMAP server stores them (none while the folder does not exist). */
    List<StoredMessage> folder(String name) throws Exception {
        var folder = mailServer.getManagers().getImapHostManager().getFolder(mailbox, name);
        return folder == null ? List.of() : folder.getMessages();
    }

    static boolean seen(StoredMessage message) {
        return message.isSet(Flags.Flag.SEEN);
    }

    SourceStore sources() {
        return context.getRegistry().lookupByNameAndType("sourceStore", SourceStore.class);
    }

    List<java.util.Map<String, Object>> mailRejections() throws Exception {
        return sources().rejections(MailIntake.SOURCE, 50);
    }

    /** The id MailIntake derives from a Message-ID: mail- and the first 16 hex digits of its SHA-256. */
    static String idOf(String messageId) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(messageId.getBytes(StandardCharsets.UTF_8));
        return "mail-" + HexFormat.of().formatHex(digest).substring(0, 16);
    }
}
