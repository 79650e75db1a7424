package io.windowgate.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation and normalisation of raw notifications. */
class NotificationValidatorTest {

    private static final String EMOJI = "\uD83D\uDE00"; // one code point, two UTF-16 chars

    private final NotificationValidator validator = new NotificationValidator("US");

    private static NotificationRequest text(String id, String to, String text) {
        return NotificationRequest.from("crm").id(id).to(to).text(text).build();
    }

    private static NotificationRequest template(String name, String language, List<String> positional,
            Map<String, String> named) {
        return NotificationRequest.from("crm").id("t-1").to("+14155550123").template(name, language)
                .positionalParams(positional).namedParams(named).build();
    }

    private static NotificationRequest withCategory(String category) {
        return NotificationRequest.from("crm").id("c-1").to("+14155550123").text("hi").category(category).build();
    }

    private static NotificationRequest withSendAt(String sendAt) {
        return NotificationRequest.from("crm").id("s-1").to("+14155550123").text("hi").sendAt(sendAt).build();
    }

    private NotificationValidator.Result valid(NotificationRequest request) {
        NotificationValidator.Result result = validator.validate(request);
        assertThat(result.problems()).as("problems").isEmpty();
        assertThat(result.valid()).isTrue();
        assertThat(result.notification()).isNotNull();
        return result;
    }

    private NotificationValidator.Result invalid(NotificationRequest request) {
        NotificationValidator.Result result = validator.validate(request);
        assertThat(result.valid()).as("valid").isFalse();
        assertThat(result.notification()).isNull();
        assertThat(result.problems()).isNotEmpty();
        return result;
    }

    @Test
    void validTextNotificationBecomesCanonical() {
        Notification n = valid(text("crm-000123", "+14155550123", "Your order 123 has shipped.")).notification();
        assertThat(n.id()).isEqualTo("crm-000123");
        assertThat(n.to()).isEqualTo("+14155550123");
        assertThat(n.text()).isEqualTo("Your order 123 has shipped.");
        assertThat(n.template()).isNull();
        assertThat(n.category()).isNull();
        assertThat(n.sendAt()).isNull();
        assertThat(n.source()).isEqualTo("crm");
    }

    @Test
    void anUnpairedSurrogateInAnyTextFieldIsRejectedNamingTheField() {
        String high = "\uD800";
        String low = "\uDC00";
        NotificationRequest request = NotificationRequest.from("crm").id("id-" + high).to("+1415555012" + low)
                .text("a" + low + "b").template("t" + high, "en" + high)
                .positionalParams(List.of("ok " + EMOJI, low)).category("UTILITY" + high).sendAt(high)
                .templateParts(Map.of("header_text", high))
                .optIn(new NotificationRequest.OptInRequest(high, low, high, low)).build();

        assertThat(invalid(request).problems()).filteredOn(p -> p.contains("unpaired surrogate")).containsExactly(
                surrogate("id", "D800", 4), surrogate("to", "DC00", 12), surrogate("text", "DC00", 2),
                surrogate("template.name", "D800", 2), surrogate("template.language", "D800", 3),
                surrogate("template parameter 2", "DC00", 1), surrogate("template part 'header_text'", "D800", 1),
                surrogate("category", "D800", 8), surrogate("sendAt", "D800", 1),
                surrogate("optIn.scope", "D800", 1), surrogate("optIn.source", "DC00", 1),
                surrogate("optIn.evidence", "D800", 1), surrogate("optIn.at", "DC00", 1));
        assertThat(invalid(NotificationRequest.from("csv").id("n").to("+14155550123").template("t", "en")
                .namedParams(Map.of("name" + low, "v" + high)).build()).problems())
                .contains(surrogate("a template parameter's name", "DC00", 5),
                        surrogate("template parameter 'name" + low + "'", "D800", 2));
        assertThat(valid(text("pair", "+14155550123", EMOJI + " a pair is one character")).notification().text())
                .startsWith(EMOJI);
    }

    private static String surrogate(String field, String hex, int at) {
        return field + " holds an unpaired surrogate (\\u" + hex + ") at character " + at + ": it is half of a "
                + "character, not text; send the text as UTF-8, or escape a character outside the BMP as both halves "
                + "(\\uD83D\\uDE00 for an emoji)";
    }

    @Test
    void nationalNumberIsNormalisedWithTheDefaultRegion() {
        assertThat(valid(text("p-1", "(415) 555-0123", "hi")).notification().to()).isEqualTo("+14155550123");
    }

    @Test
    void internationalNumberWithSpacesIsNormalised() {
        assertThat(valid(text("p-2", "+44 20 7946 0958", "hi")).notification().to()).isEqualTo("+442079460958");
    }

    @Test
    void defaultRegionDecidesHowNationalNumbersAreRead() {
        NotificationValidator gb = new NotificationValidator("gb");
        assertThat(gb.validate(text("p-3", "020 7946 0958", "hi")).notification().to()).isEqualTo("+442079460958");
    }

    @Test
    void unparseableNumberIsRejectedNamingTheValue() {
        assertThat(invalid(text("p-4", "not-a-phone", "hi")).reason())
                .contains("'not-a-phone'").contains("not a phone number");
    }

    @Test
    void impossibleNumberIsRejectedNamingTheValue() {
        assertThat(invalid(text("p-5", "+1 415 555", "hi")).reason())
                .contains("'+1 415 555'").contains("not a possible phone number");
    }

    @Test
    void headerAndButtonParametersTooLongToStoreAreRejectedWithAReason() {
        NotificationValidator v = new NotificationValidator("US");
        Map<String, String> fits = Map.of("header_text", "x".repeat(3_000), "button:0:url", "y".repeat(3_000));
        assertThat(v.validate(NotificationRequest.from("crm").id("p-1").to("+14155550123").template("promo", "en")
                .templateParts(fits).build()).valid()).isTrue();

        Map<String, String> tooLong = Map.of("header_text", "x".repeat(5_000), "button:0:url", "y".repeat(5_000));
        NotificationValidator.Result refused = v.validate(NotificationRequest.from("crm").id("p-2")
                .to("+14155550123").template("promo", "en").templateParts(tooLong).build());
        assertThat(refused.valid()).isFalse();
        assertThat(refused.reason()).contains("has header and button parameters").contains("at most 8000");
    }

    @Test
    void aNumberOfTheRightLengthThatNoCountryHasIsRejectedBeforeSending() {
        NotificationValidator de = new NotificationValidator("DE");
        assertThat(de.validate(text("p-7", "12", "hi")).reason()).isEqualTo("recipient '12' (+4912) is not a valid "
                + "phone number in Germany (DE): check the digits, or write it in international form +<country "
                + "code><number> (numbers without '+' are read as DE, see default-region)");
        // possible by length, but in no range the UK has assigned (07700 900xxx is reserved for drama)
        assertThat(invalid(text("p-8", "+44 7700 900123", "hi")).reason())
                .startsWith("recipient '+44 7700 900123' (+447700900123) is not a valid phone number in United "
                        + "Kingdom (GB)");
        assertThat(de.validate(text("p-9", "+49 30 1234567", "hi")).notification().to()).isEqualTo("+49301234567");
    }

    @Test
    void aReasonQuotesABoundedPrintableExcerptOfTheValue() {
        String reason = invalid(text("x-1", "1\u0000".repeat(2048), "hi")).reason();
        assertThat(reason).startsWith("recipient '1\\u00001").contains("…' is not a phone number")
                .doesNotContain("\u0000").hasSizeLessThan(300);
        assertThat(invalid(withCategory("=HYPERLINK(\"" + "x".repeat(300) + "\")")).reason())
                .startsWith("category '=HYPERLINK(\"xxx").contains("…' is unknown").hasSizeLessThan(300);
    }

    @Test
    void missingRecipientIsRejected() {
        assertThat(invalid(text("p-6", "  ", "hi")).reason()).contains("recipient ('to') is missing");
    }

    @Test
    void missingIdIsRejected() {
        assertThat(invalid(text(null, "+14155550123", "hi")).reason()).contains("id is missing");
        assertThat(invalid(text("   ", "+14155550123", "hi")).reason()).contains("id is missing");
    }

    @Test
    void idOf128CharactersIsAccepted() {
        String id = "x".repeat(128);
        assertThat(valid(text(id, "+14155550123", "hi")).notification().id()).isEqualTo(id);
    }

    @Test
    void idOf129CharactersIsRejected() {
        assertThat(invalid(text("x".repeat(129), "+14155550123", "hi")).reason())
                .contains("129 characters").contains("at most 128");
    }

    @Test
    void idIsTrimmed() {
        assertThat(valid(text("  crm-1 ", "+14155550123", "hi")).notification().id()).isEqualTo("crm-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"crm\t1", "crm\n1", "crm\u00001", "crm\u007f1"})
    void idWithControlCharactersIsRejected(String id) {
        assertThat(invalid(text(id, "+14155550123", "hi")).reason()).contains("control characters");
    }

    @Test
    void textOf4096CodePointsIsAcceptedEvenWhenItIsLongerInChars() {
        String text = EMOJI.repeat(4096);
        assertThat(text.length()).isEqualTo(8192);
        assertThat(valid(text("t-1", "+14155550123", text)).notification().text()).isEqualTo(text);
    }

    @Test
    void textOf4097CodePointsIsRejected() {
        String text = EMOJI.repeat(4096) + "!";
        assertThat(invalid(text("t-2", "+14155550123", text)).reason())
                .contains("4097 characters").contains("at most 4096");
    }

    @Test
    void neitherTextNorTemplateIsRejected() {
        assertThat(invalid(text("t-3", "+14155550123", null)).reason())
                .contains("neither text nor template");
        assertThat(invalid(text("t-3", "+14155550123", " ")).reason())
                .contains("neither text nor template");
    }

    @Test
    void positionalTemplateIsAccepted() {
        TemplateRef t = valid(template("order_shipped", "en_US", List.of("123", "Tuesday"), null))
                .notification().template();
        assertThat(t.name()).isEqualTo("order_shipped");
        assertThat(t.language()).isEqualTo("en_US");
        assertThat(t.positionalParams()).containsExactly("123", "Tuesday");
        assertThat(t.namedParams()).isEmpty();
    }

    @Test
    void namedTemplateIsAccepted() {
        TemplateRef t = valid(template("order_shipped", "pt_BR", null, Map.of("first_name", "Ana", "order_id", "1")))
                .notification().template();
        assertThat(t.namedParams()).containsOnly(Map.entry("first_name", "Ana"), Map.entry("order_id", "1"));
        assertThat(t.positionalParams()).isEmpty();
    }

    @Test
    void templateWithoutParamsIsAccepted() {
        TemplateRef t = valid(template("hello_world", "en", null, null)).notification().template();
        assertThat(t.hasParams()).isFalse();
    }

    @Test
    void templateWithoutLanguageIsRejected() {
        assertThat(invalid(template("order_shipped", null, List.of(), null)).reason())
                .contains("template 'order_shipped' has no language");
    }

    @Test
    void templateWithMalformedLanguageIsRejected() {
        assertThat(invalid(template("order_shipped", "English", List.of(), null)).reason())
                .contains("'English'").contains("not a language code");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Order_Shipped", "order-shipped", "order shipped"})
    void badTemplateNameIsRejected(String name) {
        assertThat(invalid(template(name, "en_US", List.of(), null)).reason())
                .contains("template name '" + name + "' is not valid");
    }

    @Test
    void positionalGapIsRejected() {
        assertThat(invalid(template("order_shipped", "en_US", List.of("a", "", "c"), null)).reason())
                .contains("template parameter 2 is empty");
    }

    @Test
    void namedAndPositionalTogetherAreRejected() {
        assertThat(invalid(template("order_shipped", "en_US", List.of("a"), Map.of("first_name", "Ana"))).reason())
                .contains("both positional").contains("named");
    }

    @Test
    void badNamedParameterIsRejected() {
        assertThat(invalid(template("order_shipped", "en_US", null, Map.of("First-Name", "Ana"))).reason())
                .contains("'First-Name' is not valid");
        assertThat(invalid(template("order_shipped", "en_US", null, Map.of("first_name", ""))).reason())
                .contains("template parameter 'first_name' is empty");
    }

    @Test
    void invalidTemplateWithTextIsStillRejected() {
        NotificationRequest request = NotificationRequest.from("crm").id("t-9").to("+14155550123").text("hi")
                .template("order_shipped", null).build();
        assertThat(invalid(request).problems()).singleElement().asString().contains("has no language");
    }

    @ParameterizedTest
    @CsvSource({
            "UTILITY, UTILITY",
            "marketing, MARKETING",
            "Authentication, AUTHENTICATION",
            "SHIPPING_UPDATE, UTILITY",
            "ACCOUNT_UPDATE, UTILITY",
            "OTP, AUTHENTICATION",
            "' otp ', AUTHENTICATION"
    })
    void categoryNamesAreMapped(String raw, Category expected) {
        assertThat(valid(withCategory(raw)).notification().category()).isEqualTo(expected);
    }

    @Test
    void unknownCategoryIsRejectedNamingTheValue() {
        assertThat(invalid(withCategory("PROMO")).reason()).contains("category 'PROMO' is unknown");
    }

    @Test
    void sendAtInUtcIsAccepted() {
        assertThat(valid(withSendAt("2026-12-01T09:00:00Z")).notification().sendAt())
                .isEqualTo(Instant.parse("2026-12-01T09:00:00Z"));
    }

    @Test
    void sendAtWithOffsetIsAccepted() {
        assertThat(valid(withSendAt("2026-12-01T10:00:00+01:00")).notification().sendAt())
                .isEqualTo(Instant.parse("2026-12-01T09:00:00Z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-12-01T09:00:00", "2026-12-01", "tomorrow"})
    void sendAtWithoutZoneIsRejected(String sendAt) {
        assertThat(invalid(withSendAt(sendAt)).reason()).contains("sendAt '" + sendAt + "'").contains("with a zone");
    }

    @Test
    void malformedMarkFromTheSourceIsReported() {
        NotificationRequest request = NotificationRequest.from("csv").id("m-1").to("+14155550123").text("hi")
                .malformed("row has 5 fields but the header has 3 columns").build();
        assertThat(invalid(request).reason()).contains("row has 5 fields");
    }

    @Test
    void everyProblemIsReported() {
        NotificationRequest request = NotificationRequest.from("crm").to("nope").template("Bad Name", null)
                .positionalParams(List.of("a")).category("PROMO").sendAt("soon").build();
        NotificationValidator.Result result = invalid(request);
        assertThat(result.problems()).hasSize(6);
        assertThat(result.reason())
                .contains("id is missing")
                .contains("'nope'")
                .contains("template name 'Bad Name'")
                .contains("has no language")
                .contains("category 'PROMO'")
                .contains("sendAt 'soon'")
                .isEqualTo(String.join("; ", result.problems()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"XX", "USA", ""})
    void unknownDefaultRegionIsRejectedAtConstruction(String region) {
        assertThatThrownBy(() -> new NotificationValidator(region))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default-region '" + region + "'");
    }

    @Test
    void missingDefaultRegionIsRejectedAtConstruction() {
        assertThatThrownBy(() -> new NotificationValidator(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default-region");
    }

    @Test
    void headerAndButtonPartsBecomeTemplateParametersOrClearProblems() {
        NotificationValidator v = new NotificationValidator("US");
        java.util.Map<String, String> parts = new java.util.LinkedHashMap<>();
        parts.put("header_image", "https://cdn.example/p.jpg");
        parts.put("button:1:quick_reply", "STOP");
        parts.put("button:0:url", "abc");
        NotificationValidator.Result ok = v.validate(NotificationRequest.from("crm").id("t-1").to("+14155550123")
                .template("promo", "en").templateParts(parts).build());
        assertThat(ok.valid()).as(ok.reason()).isTrue();
        TemplateRef t = ok.notification().template();
        assertThat(t.header()).isEqualTo(new TemplateRef.Header("IMAGE", "https://cdn.example/p.jpg", null));
        assertThat(t.buttons()).extracting(TemplateRef.Button::index).containsExactly(0, 1);

        java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("header_image", "https://cdn.example/p.jpg");
        bad.put("header_text", "two headers");
        bad.put("button:7:call", "x");
        NotificationValidator.Result refused = v.validate(NotificationRequest.from("crm").id("t-2").to("+14155550123")
                .template("promo", "en").templateParts(bad).build());
        assertThat(refused.valid()).isFalse();
        assertThat(refused.reason()).contains("two header parameters").contains("'button:7:call' is not a template part");
        NotificationValidator.Result notALink = v.validate(NotificationRequest.from("crm").id("t-3").to("+14155550123")
                .template("promo", "en").templateParts(Map.of("header_video", "video.mp4")).build());
        assertThat(notALink.reason()).contains("header_video must be an http(s) link");
    }

    private static NotificationRequest media(String text, String... columnsAndValues) {
        Map<String, String> media = new java.util.LinkedHashMap<>();
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            media.put(columnsAndValues[i], columnsAndValues[i + 1]);
        }
        return NotificationRequest.from("csv").id("m-1").to("+14155550123").text(text).media(media).build();
    }

    @Test
    void mediaOfEachTypeIsAcceptedAloneOrWithTextAsTheCaption() {
        MediaRef image = valid(media("Your order shipped", "media_type", "IMAGE", "media_link",
                " https://cdn.example.com/a.jpg ")).notification().media();
        assertThat(image).isEqualTo(new MediaRef("image", "https://cdn.example.com/a.jpg", null, null));
        assertThat(valid(media(null, "media_type", "document", "media_link", "https://cdn.example.com/i.pdf",
                "media_caption", "Invoice", "media_filename", "invoice.pdf")).notification().media().filename())
                .isEqualTo("invoice.pdf");
        assertThat(valid(media(null, "media_type", "video", "media_link", "https://cdn.example.com/v.mp4"))
                .notification().hasSessionContent()).isTrue();
        assertThat(valid(media(null, "media_type", "audio", "media_link", "https://cdn.example.com/m.ogg"))
                .notification().media().type()).isEqualTo("audio");
    }

    @Test
    void badMediaIsRejectedWithAReasonAPersonCanActOn() {
        assertThat(invalid(media(null, "media_type", "sticker", "media_link", "https://x.example/a.webp")).reason())
                .contains("'sticker'").contains("image, document, video or audio");
        assertThat(invalid(media(null, "media_link", "https://x.example/a.jpg")).reason()).contains("type is missing");
        assertThat(invalid(media(null, "media_type", "image")).reason()).contains("link is missing");
        assertThat(invalid(media(null, "media_type", "image", "media_link", "http://x.example/a.jpg")).reason())
                .contains("https://");
        assertThat(invalid(media(null, "media_type", "image", "media_link", "https://user:pw@x.example/a.jpg"))
                .reason()).contains("user name or password").doesNotContain("pw@");
        assertThat(invalid(media(null, "media_type", "image", "media_link", "https://x.example/a.jpg",
                "media_caption", "x".repeat(1025))).reason()).contains("1025 characters").contains("1024");
        assertThat(invalid(media("y".repeat(1025), "media_type", "image", "media_link", "https://x.example/a.jpg"))
                .reason()).contains("text (the caption of a media message without one)");
        assertThat(invalid(media(null, "media_type", "audio", "media_link", "https://x.example/a.ogg",
                "media_caption", "hi")).reason()).contains("cannot go with audio");
        assertThat(invalid(media("hi", "media_type", "audio", "media_link", "https://x.example/a.ogg")).reason())
                .contains("cannot go with audio");
        assertThat(invalid(media(null, "media_type", "image", "media_link", "https://x.example/a.jpg",
                "media_filename", "a.jpg")).reason()).contains("documents only");
        assertThat(invalid(media(null, "media_type", "document", "media_link", "https://x.example/a.pdf",
                "media_filename", "../etc/passwd")).reason()).contains("without slashes");
    }
}
