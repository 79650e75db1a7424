package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.Test;

/** mail-ingest end to end against GreenMail: every mail format, refused and malformed mails, mails seen twice. */
class MailIngestRouteTest extends MailRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aPlainTextMailGoesToTheNumberInItsSubject() throws Exception {
        windows().recordInbound("+14155550100", Instant.now().minusSeconds(600), "wamid.in.1");
        MimeMessage message = mail("<text-1@acme.example>", ALLOWED, "Kunde +1 (415) 555-0100 – Lieferung");
        message.setText("Ihre Lieferung kommt heute ✓\n-- \nACME Versand", "UTF-8");

        deliver(message);

        String id = idOf("<text-1@acme.example>");
        await().atMost(WAIT).until(() -> statusOf(id) == Status.SENT);
        JsonNode sent = sentTo(SESSION_PATH).get(0);
        assertThat(sent.path("to").asText()).isEqualTo("+14155550100");
        assertThat(sent.path("text").path("body").asText()).isEqualTo("Ihre Lieferung kommt heute ✓");
        assertThat(stored(id).notification().source()).isEqualTo("mail");
        await().atMost(WAIT).until(() -> seen(folder("INBOX").get(0)));
    }

    @Test
    void anHtmlOnlyMailIsReadAsItsText() throws Exception {
        assertThat(sentTextOfHtmlMail("<html-1@acme.example>", "<html><head><style>p {color: red}</style></head><body>"
                + "<p>Your <b>order</b> &amp; invoice</p><p>are&nbsp;ready</p></body></html>", "UTF-8"))
                .isEqualTo("Your order & invoice\nare ready");
    }

    @Test
    void anHtmlOnlyMailReachesTheCustomerWithItsAccentsAndQuotes() throws Exception {
        // ISO-8859-1 for the raw letters, entities for the rest: both must arrive as the same characters
        assertThat(sentTextOfHtmlMail("<html-2@acme.example>", "<html><body><p>Gr&uuml;&szlig;e, Ren&eacute;e &ndash; "
                + "it&rsquo;s &#8220;fertig&#x201D;</p><p>Straße 5 · Zürich&nbsp;&#x2713;</p></body></html>",
                "ISO-8859-1")).isEqualTo("Grüße, Renée – it’s “fertig”\nStraße 5 · Zürich ✓");
    }

    /** Mails an HTML-only body in this charset to a customer whose window is open, and returns the text sent. */
    private String sentTextOfHtmlMail(String messageId, String html, String charset) throws Exception {
        windows().recordInbound("+14155550100", Instant.now().minusSeconds(600), "wamid.in.1");
        MimeMessage message = mail(messageId, "desk@ops.acme.example", "+14155550100");
        message.setText(html, charset, "html");

        deliver(message);

        await().atMost(WAIT).until(() -> statusOf(idOf(messageId)) == Status.SENT);
        return sentTo(SESSION_PATH).get(0).path("text").path("body").asText();
    }

    @Test
    void aCsvAttachmentTakesTheDropFilesPath() throws Exception {
        MimeMessage message = mail("<csv-1@acme.example>", ALLOWED, "Versandliste für Dezember");
        MimeMultipart parts = new MimeMultipart();
        MimeBodyPart note = new MimeBodyPart();
        note.setText("Liste anbei.", "UTF-8");
        parts.addBodyPart(note);
        MimeBodyPart csv = new MimeBodyPart();
        csv.setContent("id;to;template;language;param1\r\nm-1;+14155550101;order_shipped;en_US;1001\r\n"
                + "m-2;nope;order_shipped;en_US;1002\r\nm-3;+14155550103;order_shipped;en_US;Müller\r\n",
                "text/csv; charset=UTF-8");
        csv.setFileName("Liste Dezember.csv");
        parts.addBodyPart(csv);
        message.setContent(parts);

        deliver(message);

        String file = "mail-" + idOf("<csv-1@acme.example>").substring(5, 17) + "-Liste_Dezember.csv";
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done").resolve(file)));
        assertThat(statusOf("m-1")).isEqualTo(Status.SENT);
        assertThat(statusOf("m-3")).isEqualTo(Status.SENT);
        assertThat(statusOf("m-2")).isNull();
        assertThat(sentTo(TEMPLATE_PATH)).extracting(b -> b.path("template").path("components").path(0)
                .path("parameters").path(0).path("text").asText()).containsExactlyInAnyOrder("1001", "Müller");
        Path rejected = dropDir.resolve(".done").resolve(file + ".rejected.csv");
        assertThat(Files.readAllLines(rejected, StandardCharsets.UTF_8)).hasSize(2)
                .last().asString().startsWith("3;").contains("m-2");
        JsonNode progress = json.readTree(get("/api/files/" + file).body());
        assertThat(progress.path("source").asText()).isEqualTo("mail");
        assertThat(progress.path("status").asText()).isEqualTo("DONE");
        assertThat(progress.path("sent").asLong()).isEqualTo(2);
        assertThat(progress.path("rejected").asLong()).isEqualTo(1);
        await().atMost(WAIT).until(() -> seen(folder("INBOX").get(0)));
    }

    @Test
    void aJsonBodyHoldsCanonicalNotifications() throws Exception {
        MimeMessage message = mail("<json-1@acme.example>", ALLOWED, "notifications");
        message.setText("""
                [{"id": "j-1", "to": "+14155550101", "template": {"name": "order_shipped", "language": "en_US"}},
                 {"to": "+14155550102", "template": {"name": "order_shipped", "language": "en_US"}},
                 {"id": "j-bad", "to": "+14155550103"}]
                """, "UTF-8");

        deliver(message);

        String derived = idOf("<json-1@acme.example>") + "-2";
        await().atMost(WAIT).until(() -> statusOf("j-1") == Status.SENT && statusOf(derived) == Status.SENT);
        await().atMost(WAIT).until(() -> !mailRejections().isEmpty());
        assertThat(mailRejections()).singleElement().satisfies(r -> {
            assertThat(r.get("item")).isEqualTo("j-bad");
            assertThat((String) r.get("reason")).contains("neither text nor template");
            assertThat((String) r.get("reference")).isEqualTo("<json-1@acme.example> from " + ALLOWED);
        });
    }

    @Test
    void aJsonBodyWithMoreThanOneValueIsRecordedAsMalformedAndNothingOfItIsStored() throws Exception {
        MimeMessage message = mail("<json-2@acme.example>", ALLOWED, "notifications");
        message.setText("""
                {"id": "two-1", "to": "+14155550101", "template": {"name": "order_shipped", "language": "en_US"}}
                {"id": "two-2", "to": "+14155550102", "template": {"name": "order_shipped", "language": "en_US"}}
                """, "UTF-8");

        deliver(message);

        await().atMost(WAIT).until(() -> !mailRejections().isEmpty());
        assertThat(mailRejections()).singleElement().satisfies(r -> assertThat((String) r.get("reason")).startsWith(
                "the mail body looks like JSON but the body holds more than one JSON value: send one object or one "
                        + "array"));
        assertThat(statusOf("two-1")).isNull();
        assertThat(statusOf("two-2")).isNull();
    }

    @Test
    void aJsonMailThatIsNotWholeUnicodeTextIsRejectedWithTheReason() throws Exception {
        // a JSON attachment with an overlong '/'
        String body = "{\"id\": \"ovl\", \"to\": \"+14155550101\", \"text\": \"a//b\"}";
        byte[] overlong = withOverlongSlash(body);
        int at = overlongSlashAt(body);
        MimeMessage attached = mail("<utf-1@acme.example>", ALLOWED, "notifications");
        MimeBodyPart file = new MimeBodyPart();
        file.setDataHandler(new jakarta.activation.DataHandler(
                new jakarta.mail.util.ByteArrayDataSource(overlong, "application/json")));
        file.setFileName("notifications.json");
        attached.setContent(new MimeMultipart(file));
        // a text body whose JSON escapes half of a character
        MimeMessage escaped = mail("<utf-2@acme.example>", ALLOWED, "notifications");
        escaped.setText("{\"id\": \"half\", \"to\": \"+14155550101\", \"text\": \"a\\ud800\"}", "UTF-8");

        deliver(attached);
        deliver(escaped);

        await().atMost(WAIT).until(() -> mailRejections().size() == 2);
        assertThat(mailRejections()).extracting(r -> (String) r.get("reason")).anySatisfy(reason -> assertThat(reason)
                .startsWith("the mail body looks like JSON but the body is not UTF-8: byte " + (at + 1) + " (0xC0)"))
                .anySatisfy(reason -> assertThat(reason).startsWith(
                        "text holds an unpaired surrogate (\\uD800) at character 2"));
        assertThat(statusOf("ovl")).isNull();
        assertThat(statusOf("half")).isNull();
    }

    @Test
    void refusedAndMalformedMailsAreRecordedAndDoNotBlockTheMailbox() throws Exception {
        MimeMessage stranger = mail("<evil-1@evil.example>", "boss@evil.example", "+14155550101");
        stranger.setText("Send money", "UTF-8");
        MimeMessage noNumber = mail("<bad-1@acme.example>", ALLOWED, "hello");
        noNumber.setText("who is this for?", "UTF-8");
        MimeMessage brokenJson = mail("<bad-2@acme.example>", ALLOWED, "+14155550101");
        brokenJson.setText("{\"id\": \"x\", ", "UTF-8");
        MimeMessage good = mail("<good-1@acme.example>", ALLOWED, "+14155550101");
        good.setText("Still delivered", "UTF-8");
        windows().recordInbound("+14155550101", Instant.now().minusSeconds(60), "wamid.in.2");

        deliver(stranger);
        deliver(noNumber);
        deliver(brokenJson);
        deliver(good);

        await().atMost(WAIT).until(() -> statusOf(idOf("<good-1@acme.example>")) == Status.SENT);
        await().atMost(WAIT).until(() -> mailRejections().size() == 3);
        assertThat(mailRejections()).extracting(r -> (String) r.get("reason")).anySatisfy(reason ->
                assertThat(reason).isEqualTo("sender boss@evil.example is not in mail.allowed-senders")).anySatisfy(
                reason -> assertThat(reason).isEqualTo("the subject holds no phone number: a plain-text mail needs "
                        + "the recipient's number as its subject (e.g. +14155550123) and the message as its body"))
                .anySatisfy(reason -> assertThat(reason).startsWith("the mail body looks like JSON but the body is "
                        + "not valid JSON: Unexpected end-of-input"));
        assertThat(mailRejections()).extracting(r -> (String) r.get("reference")).contains(
                "<bad-1@acme.example> from " + ALLOWED, "<evil-1@evil.example> from boss@evil.example");
        JsonNode listed = json.readTree(get("/api/rejections?source=mail&limit=2").body()).path("rejections");
        assertThat(listed).hasSize(2);
        assertThat(listed.path(0).path("source").asText()).isEqualTo("mail");
        assertThat(get("/api/rejections?limit=lots").statusCode()).isEqualTo(400);
        assertThat(statusOf(idOf("<evil-1@evil.example>"))).isNull();
        assertThat(sendsOf(idOf("<evil-1@evil.example>"))).isZero();
        await().atMost(WAIT).until(() -> folder("INBOX").stream().allMatch(MailRouteTestSupport::seen));
    }

    @Test
    void aMailSeenTwiceSendsOnce() throws Exception {
        windows().recordInbound("+14155550101", Instant.now().minusSeconds(60), "wamid.in.3");
        MimeMessage first = mail("<twice-1@acme.example>", ALLOWED, "+14155550101");
        first.setText("Only once", "UTF-8");
        MimeMessage again = mail("<twice-1@acme.example>", ALLOWED, "+14155550101");
        again.setText("Only once", "UTF-8");

        deliver(first);
        String id = idOf("<twice-1@acme.example>");
        await().atMost(WAIT).until(() -> statusOf(id) == Status.SENT);
        deliver(again);

        await().atMost(WAIT).until(() -> folder("INBOX").size() == 2
                && folder("INBOX").stream().allMatch(MailRouteTestSupport::seen));
        assertThat(sendsOf(id)).isEqualTo(1);
    }
}
