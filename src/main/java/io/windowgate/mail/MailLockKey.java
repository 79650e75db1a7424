package io.windowgate.mail;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.UIDFolder;
import org.apache.camel.component.mail.DefaultMailUidGenerator;
import org.apache.camel.component.mail.MailConfiguration;
import org.apache.camel.component.mail.MailEndpoint;
import org.apache.camel.component.mail.MailUidGenerator;

/**
 * The key of a mail in the cluster lock (mail-ingest's idempotent repository): the IMAP message itself, as
 * {@code user@host/folder;UIDVALIDITY;UID}, so that each message in the mailbox is processed by one node once. Not the
 * Message-ID: a mail sent twice with one Message-ID is two messages, and the second must still be read (its
 * notifications are then recognised as duplicates) and flagged, not left unseen for ever.
 */
public final class MailLockKey implements MailUidGenerator {

    private final MailUidGenerator fallback = new DefaultMailUidGenerator();

    @Override
    public String generateUuid(MailEndpoint endpoint, Message message) {
        Folder folder = message.getFolder();
        if (folder instanceof UIDFolder uids) {
            try {
                MailConfiguration config = endpoint.getConfiguration();
                return config.getUsername() + "@" + config.getHost() + "/" + folder.getFullName() + ";"
                        + uids.getUIDValidity() + ";" + uids.getUID(message);
            } catch (MessagingException e) {
                // not an IMAP server that keeps UIDs: the Message-ID (or a hash of the headers) then
            }
        }
        return fallback.generateUuid(endpoint, message);
    }
}
