package io.windowgate.mail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UnsupportedEncodingException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.windowgate.csv.CsvDropReader;
import io.windowgate.notification.NotificationIntake;
import io.windowgate.notification.NotificationJson;
import io.windowgate.notification.NotificationJson.MalformedJsonException;
import io.windowgate.notification.NotificationRequest;
import io.windowgate.notification.PhoneMask;
import io.windowgate.store.SourceStore;
import org.apache.commons.codec.digest.DigestUtils;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeUtility;
import org.apache.camel.Exchange;
import org.apache.camel.component.mail.MailMessage;
import org.apache.camel.support.DefaultMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The email source: turns one mail into notifications.
 * <ul>
 * <li>Only senders in {@code mail.allowed-senders} are read; other mails are recorded as refused.</li>
 * <li>CSV attachments are saved into the drop folder as {@code mail-<hash>-<name>.csv}, so they take exactly the drop
 * files' path (validation, rejected-rows file, progress).</li>
 * <li>Otherwise a body that is JSON holds canonical notifications; any other body is the text of one notification to
 * the phone number in the subject. An HTML-only mail is read as its text.</li>
 * </ul>
 * Ids without an explicit one derive from the Message-ID, so a mail read twice sends nothing twice.
 */
public final class MailIntake {

    /** Source name of the email source's notifications and refusals. */
    public static final String SOURCE = "mail";
    private static final Logger LOG = LoggerFactory.getLogger(MailIntake.class);
    private static final Pattern PHONE = Pattern.compile("\\+?\\d[\\d ().\\-/]{5,}\\d");

    /** A mail that cannot become notifications: the reason says what the sender must change. */
    public static final class MalformedMailException extends Exception {
        public MalformedMailException(String message) {
            super(message);
        }
    }

    /** What a mail was read as. */
    public enum Kind { REFUSED, CSV, JSON, TEXT }

    /**
     * One mail, read.
     *
     * @param reference Message-ID and sender, for logs and refusals
     * @param files     the CSV attachments saved into the drop folder
     * @param requests  the notifications of a JSON or text mail
     */
    public record Mail(String reference, Kind kind, List<String> files, List<NotificationRequest> requests) {
    }

    private final List<String> allowedSenders;
    private final Path dropDir;
    private final NotificationJson json;
    private final SourceStore store;

    public MailIntake(String allowedSenders, String dropDir, NotificationJson json, SourceStore store) {
        this.allowedSenders = new ArrayList<>();
        for (String sender : (allowedSenders == null ? "" : allowedSenders).split("[,;\\s]+")) {
            if (!sender.isBlank()) {
                this.allowedSenders.add(sender.trim().toLowerCase(Locale.ROOT));
            }
        }
        this.dropDir = Path.of(dropDir);
        this.json = json;
        this.store = store;
    }

    public boolean hasAllowedSenders() {
        return !allowedSenders.isEmpty();
    }

    /** Whether an address is allowed: listed exactly, or its domain listed as {@code @example.com}. */
    public boolean isAllowed(String address) {
        if (address == null) {
            return false;
        }
        String a = address.trim().toLowerCase(Locale.ROOT);
        int at = a.lastIndexOf('@');
        return allowedSenders.contains(a) || (at > 0 && allowedSenders.contains(a.substring(at)));
    }

    /**
     * Reads the mail camel-mail polled into this exchange: leaves the {@link Mail} in variable {@code mail}, and its
     * notifications (if any) as the body of a plain message, ready for the route's split. A bean step, not an
     * expression: expressions run on a copy of the exchange.
     */
    public void read(Exchange exchange) throws MessagingException, IOException, MalformedMailException, SQLException {
        Mail mail = read(exchange, exchange.getIn(MailMessage.class).getOriginalMessage());
        exchange.setVariable("mail", mail);
        DefaultMessage plain = new DefaultMessage(exchange);
        plain.setBody(mail.requests());
        exchange.setIn(plain);
    }

    private Mail read(Exchange exchange, Message message)
            throws MessagingException, IOException, MalformedMailException, SQLException {
        String sender = sender(message);
        String key = mailKey(message);
        String idBase = "mail-" + key.substring(0, 16);
        String reference = reference(message, sender);
        exchange.setVariable("mailReference", reference);
        if (!isAllowed(sender)) {
            String reason = sender == null ? "the mail has no From address"
                    : "sender " + sender + " is not in mail.allowed-senders";
            store.reject(SOURCE, reference, null, reason);
            LOG.warn("Refused mail {}: {}; nothing processed", reference, reason);
            return new Mail(reference, Kind.REFUSED, List.of(), List.of());
        }
        Parts parts = new Parts();
        collect(message, parts);
        if (!parts.csv.isEmpty()) {
            List<String> files = new ArrayList<>();
            for (Part csv : parts.csv) {
                files.add(saveCsv(csv, key.substring(0, 12)));
            }
            LOG.info("Mail {}: {} CSV attachment(s) saved to the drop folder as {}", reference, files.size(), files);
            return new Mail(reference, Kind.CSV, files, List.of());
        }
        String text = parts.text != null ? parts.text : parts.html != null ? HtmlText.toText(parts.html) : null;
        if (parts.json != null || (text != null && looksLikeJson(text))) {
            List<NotificationRequest> requests = jsonRequests(parts.json != null ? parts.json
                    : text.getBytes(StandardCharsets.UTF_8), idBase);
            LOG.info("Mail {}: {} notification(s) in its JSON body", reference, requests.size());
            return new Mail(reference, Kind.JSON, List.of(), requests);
        }
        NotificationRequest request = textRequest(message, text, idBase);
        LOG.info("Mail {}: 1 notification, {}", reference, request.id());
        return new Mail(reference, Kind.TEXT, List.of(), List.of(request));
    }

    /** Records what became of one notification of a JSON or text mail; a rejected one is recorded with its reason. */
    public void record(Mail mail, NotificationRequest request, NotificationIntake.Result result) throws SQLException {
        if (result.outcome() == NotificationIntake.Outcome.REJECTED) {
            store.reject(SOURCE, mail.reference(), request.id(), result.reason());
            LOG.warn("Mail {}: notification {} rejected: {}", mail.reference(), request.id(), result.reason());
        }
    }

    /** Records a mail that could not be read as notifications (it is flagged or moved like any other). */
    public void malformed(Exchange exchange, Exception exception) throws SQLException {
        Object reference = exchange.getVariable("mailReference");
        String reason = exception instanceof MalformedMailException ? exception.getMessage()
                : "the mail could not be read: " + exception.getMessage();
        String ref = reference == null ? "(unreadable mail)" : reference.toString();
        store.reject(SOURCE, ref, null, reason);
        LOG.warn("Mail {} not processed: {}", ref, reason);
    }

    /** The notifications of a JSON body: an attachment's bytes as sent, or the text body encoded as UTF-8. */
    private List<NotificationRequest> jsonRequests(byte[] body, String idBase) throws MalformedMailException {
        List<NotificationRequest> parsed;
        try {
            parsed = json.parse(body, SOURCE);
        } catch (MalformedJsonException e) {
            throw new MalformedMailException("the mail body looks like JSON but " + e.getMessage());
        }
        List<NotificationRequest> requests = new ArrayList<>(parsed.size());
        for (int i = 0; i < parsed.size(); i++) {
            NotificationRequest r = parsed.get(i);
            String id = r.id() != null ? r.id() : parsed.size() == 1 ? idBase : idBase + "-" + (i + 1);
            requests.add(r.toBuilder().id(id).source(SOURCE).build());
        }
        return requests;
    }

    private static NotificationRequest textRequest(Message message, String text, String idBase)
            throws MessagingException, MalformedMailException {
        String subject = message.getSubject() == null ? "" : message.getSubject();
        Matcher phone = PHONE.matcher(subject);
        if (!phone.find()) {
            throw new MalformedMailException("the subject holds no phone number: a plain-text mail needs the "
                    + "recipient's number as its subject (e.g. +14155550123) and the message as its body");
        }
        String body = text == null ? "" : withoutSignature(text).strip();
        if (body.isEmpty()) {
            throw new MalformedMailException("the mail to " + PhoneMask.mask(phone.group()) + " has no text: write "
                    + "the message in the body");
        }
        return NotificationRequest.from(SOURCE).id(idBase).to(phone.group()).text(body).build();
    }

    /** Cuts the signature off at the standard "-- " delimiter line. */
    static String withoutSignature(String text) {
        String normalised = text.replace("\r\n", "\n");
        int signature = normalised.indexOf("\n-- \n");
        return signature < 0 ? normalised : normalised.substring(0, signature);
    }

    private static boolean looksLikeJson(String text) {
        String t = text.strip();
        return t.startsWith("{") || t.startsWith("[");
    }

    /** The parts of a mail that matter: the first plain-text and HTML bodies, a JSON attachment, the CSV attachments. */
    private static final class Parts {
        String text;
        String html;
        byte[] json;
        final List<Part> csv = new ArrayList<>();
    }

    private static void collect(Part part, Parts parts)
            throws MessagingException, IOException, MalformedMailException {
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                collect(child, parts);
            }
            return;
        }
        String fileName = fileName(part);
        String lowerName = fileName == null ? "" : fileName.toLowerCase(Locale.ROOT);
        if (lowerName.endsWith(".csv") || part.isMimeType("text/csv") || part.isMimeType("application/csv")
                || part.isMimeType("text/comma-separated-values")) {
            parts.csv.add(part);
        } else if (lowerName.endsWith(".json") || part.isMimeType("application/json")) {
            if (parts.json == null) {
                parts.json = bytes(part); // JSON is UTF-8: NotificationJson decodes it strictly
            }
        } else if (fileName == null && part.isMimeType("text/plain") && parts.text == null) {
            parts.text = text(part);
        } else if (fileName == null && part.isMimeType("text/html") && parts.html == null) {
            parts.html = text(part);
        }
    }

    /**
     * A text part decoded strictly in its declared charset (US-ASCII when it declares none, as MIME says). Reading it
     * leniently would put U+FFFD, or another character than the sender wrote, into the message sent.
     */
    private static String text(Part part) throws MessagingException, IOException, MalformedMailException {
        String declared = new ContentType(part.getContentType()).getParameter("charset");
        String name = MimeUtility.javaCharset(declared == null ? "us-ascii" : declared);
        Charset charset;
        try {
            charset = Charset.forName(name);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedEncodingException(name);
        }
        try {
            return charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes(part))).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedMailException("the mail's text is not valid " + charset.name() + (declared == null
                    ? " (it declares no charset)" : "") + ": send it as UTF-8 and declare it (Content-Type: text/plain;"
                    + " charset=UTF-8)");
        }
    }

    /** Saves a CSV attachment into the drop folder: written beside it as .part, synced, then renamed in one step. */
    private String saveCsv(Part part, String keyPrefix) throws IOException, MessagingException {
        String original = fileName(part);
        String base = original == null ? "attachment.csv" : original.replaceAll("[^A-Za-z0-9._-]", "_");
        if (!base.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            base = base + ".csv";
        }
        String name = CsvDropReader.MAIL_PREFIX + keyPrefix + "-" + base;
        Files.createDirectories(dropDir);
        Path target = dropDir.resolve(name);
        Path partial = dropDir.resolve(name + ".part");
        try (InputStream in = part.getInputStream();
             FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = java.nio.channels.Channels.newOutputStream(channel);
            in.transferTo(out);
            out.flush();
            channel.force(true); // on disk before the mail is flagged as processed
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return name;
    }

    private static String fileName(Part part) throws MessagingException {
        String name = part.getFileName();
        if (name == null) {
            return null;
        }
        try {
            return MimeUtility.decodeText(name);
        } catch (IOException e) {
            return name;
        }
    }

    private static byte[] bytes(Part part) throws IOException, MessagingException {
        try (InputStream in = part.getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    private static String sender(Message message) throws MessagingException {
        Address[] from = message.getFrom();
        if (from == null || from.length == 0) {
            return null;
        }
        return from[0] instanceof InternetAddress internet ? internet.getAddress() : from[0].toString();
    }

    private static String reference(Message message, String sender) throws MessagingException {
        String[] ids = message.getHeader("Message-ID");
        String id = ids == null || ids.length == 0 ? "(no Message-ID)" : ids[0].trim();
        return id + " from " + (sender == null ? "(no sender)" : sender);
    }

    /** SHA-256 (hex) of the Message-ID; of the whole raw mail when it has none, which is as stable. */
    static String mailKey(Message message) throws MessagingException, IOException {
        String[] ids = message.getHeader("Message-ID");
        byte[] source;
        if (ids != null && ids.length > 0 && !ids[0].isBlank()) {
            source = ids[0].trim().getBytes(StandardCharsets.UTF_8);
        } else {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            message.writeTo(raw);
            source = raw.toByteArray();
        }
        return DigestUtils.sha256Hex(source);
    }
}
