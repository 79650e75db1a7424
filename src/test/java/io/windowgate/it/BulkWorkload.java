package io.windowgate.it;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.windowgate.notification.Notification;
import io.windowgate.notification.TemplateRef;

/**
 * The bulk benchmark's data. There are {@code recipients} recipients; every even one has an open customer service
 * window (opened before the drop by signed inbound-message webhooks, {@link #openWindowWebhooks}), every odd one has
 * none. Row {@code i} goes to recipient {@code i mod recipients}: as a session text when that window is open, as the
 * template {@code order_shipped} (en_US, two body parameters, as in samples/templates.json) when it is closed. So half
 * the rows exercise each Cloud API body, and every row has its own id.
 *
 * <p>The CSV is written straight to disk, row by row ({@link #writeCsv}), so a million rows need no memory.
 * {@link #cloudApiBody} is the body Windowgate sends for a row, field for field as {@code CloudApiPayloads} writes it;
 * the bare client posts exactly these.
 */
final class BulkWorkload {

    static final String TEMPLATE = "order_shipped";
    static final String LANGUAGE = "en_US";
    static final String SECOND_PARAM = "Tuesday";
    /** +1 area codes for the recipients, 10,000 numbers each (NXX 555, the fictional exchange). */
    private static final String[] AREA_CODES = {"415", "212", "312", "617", "206", "303", "512", "702", "808"};
    static final int MAX_RECIPIENTS = AREA_CODES.length * 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int recipients;

    BulkWorkload(int recipients) {
        if (recipients < 2 || recipients > MAX_RECIPIENTS) {
            throw new IllegalArgumentException("RECIPIENTS must be between 2 and " + MAX_RECIPIENTS + ", was "
                    + recipients);
        }
        this.recipients = recipients;
    }

    int recipients() {
        return recipients;
    }

    /** Recipient {@code r} in E.164: +1 415 555 0000, +1 415 555 0001, ..., then +1 212 555 0000, ... */
    static String recipient(int r) {
        return "+1" + AREA_CODES[r / 10_000] + "555" + String.format("%04d", r % 10_000);
    }

    /** Whether recipient {@code r} has an open window (the even ones). */
    static boolean hasOpenWindow(int r) {
        return r % 2 == 0;
    }

    /** Whether row {@code i} is a session text (its recipient's window is open) rather than a template. */
    boolean isSession(int i) {
        return hasOpenWindow(recipientOf(i));
    }

    /** How many of rows [0, count) are session texts. */
    int sessionRows(int count) {
        int sessions = 0;
        for (int i = 0; i < count; i++) {
            sessions += isSession(i) ? 1 : 0;
        }
        return sessions;
    }

    private int recipientOf(int i) {
        return i % recipients;
    }

    private static String text(int i) {
        return "Your order " + i + " is ready for pickup at the Main Street store.";
    }

    /**
     * Writes {@code dropDir/name.tmp}: header {@code id,to,text,template,language,param1,param2} and rows
     * {@code prefix + i} for i in [0, count), streamed to disk. {@link WindowgateApi#publish} renames it into the folder.
     */
    Path writeCsv(Path dropDir, String name, String prefix, int count) throws IOException {
        Files.createDirectories(dropDir);
        Path staged = dropDir.resolve(name + ".tmp");
        try (BufferedWriter out = Files.newBufferedWriter(staged, StandardCharsets.UTF_8)) {
            out.write("id,to,text,template,language,param1,param2\n");
            for (int i = 0; i < count; i++) {
                out.write(prefix);
                out.write(Integer.toString(i));
                out.write(',');
                out.write(recipient(recipientOf(i)));
                if (isSession(i)) {
                    out.write(',');
                    out.write(text(i));
                    out.write(",,,,\n");
                } else {
                    out.write(",," + TEMPLATE + "," + LANGUAGE + ",");
                    out.write(Integer.toString(i));
                    out.write("," + SECOND_PARAM + "\n");
                }
            }
        }
        return staged;
    }

    /**
     * Signed-webhook bodies (WhatsApp's shape: entry[].changes[].value.messages[]) in which every recipient with an
     * open window writes "hello" at {@code epochSecond}, {@code perWebhook} messages per body.
     */
    List<byte[]> openWindowWebhooks(int perWebhook, long epochSecond) {
        List<byte[]> bodies = new ArrayList<>();
        ArrayNode messages = null;
        ObjectNode root = null;
        for (int r = 0; r < recipients; r++) {
            if (!hasOpenWindow(r)) {
                continue;
            }
            if (messages == null || messages.size() == perWebhook) {
                if (root != null) {
                    bodies.add(root.toString().getBytes(StandardCharsets.UTF_8));
                }
                root = JSON.createObjectNode().put("object", "whatsapp_business_account");
                ObjectNode change = root.putArray("entry").addObject().put("id", "waba").putArray("changes").addObject()
                        .put("field", "messages");
                ObjectNode value = change.putObject("value").put("messaging_product", "whatsapp");
                value.putObject("metadata").put("display_phone_number", "15550000000").put("phone_number_id", "123");
                messages = value.putArray("messages");
            }
            messages.addObject().put("from", recipient(r).substring(1)).put("id", "wamid.in.bench." + r)
                    .put("timestamp", Long.toString(epochSecond)).put("type", "text")
                    .putObject("text").put("body", "hello");
        }
        if (root != null) {
            bodies.add(root.toString().getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    /** The highest recipient with an open window: the last one the window-opening webhooks name. */
    int lastOpenRecipient() {
        return hasOpenWindow(recipients - 1) ? recipients - 1 : recipients - 2;
    }

    /** How many recipients have an open window. */
    int openRecipients() {
        return (recipients + 1) / 2;
    }

    /** Row {@code i} under {@code id} as the canonical notification that the CSV intake makes of it. */
    Notification notification(String id, int i) {
        String to = recipient(recipientOf(i));
        if (isSession(i)) {
            return new Notification(id, to, text(i), null, null, null, "csv");
        }
        return new Notification(id, to, null, new TemplateRef(TEMPLATE, LANGUAGE, List.of(Integer.toString(i),
                SECOND_PARAM), null), null, null, "csv");
    }

    /**
     * The Cloud API body Windowgate sends for row {@code i} under {@code id}: CloudApiPayloads' envelope
     * (messaging_product, recipient_type, to, type, biz_opaque_callback_data), then the text or the template.
     */
    String cloudApiBody(String id, int i) {
        String to = recipient(recipientOf(i));
        StringBuilder body = new StringBuilder(320).append("{\"messaging_product\":\"whatsapp\",")
                .append("\"recipient_type\":\"individual\",\"to\":\"").append(to).append("\",\"type\":\"");
        if (isSession(i)) {
            body.append("text\",\"biz_opaque_callback_data\":\"").append(id).append("\",\"text\":{\"body\":\"")
                    .append(text(i)).append("\"}}");
        } else {
            body.append("template\",\"biz_opaque_callback_data\":\"").append(id).append("\",\"template\":{\"name\":\"")
                    .append(TEMPLATE).append("\",\"language\":{\"code\":\"").append(LANGUAGE)
                    .append("\"},\"components\":[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"")
                    .append(i).append("\"},{\"type\":\"text\",\"text\":\"").append(SECOND_PARAM).append("\"}]}]}}");
        }
        return body.toString();
    }
}
