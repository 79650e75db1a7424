package io.windowgate.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.windowgate.notification.NotificationJson.MalformedJsonException;
import org.junit.jupiter.api.Test;

/** Canonical notification JSON as CRM push, CRM pull and mail bodies carry it. */
class NotificationJsonTest {

    private final NotificationJson json = new NotificationJson();

    private List<NotificationRequest> parse(String document) throws MalformedJsonException {
        return json.parse(document.getBytes(StandardCharsets.UTF_8), "crm");
    }

    @Test
    void readsTheSpecExampleWithPositionalParameters() throws Exception {
        NotificationRequest r = parse("""
                {"id": "crm-000123", "to": "+14155550123", "text": "Your order 123 has shipped.",
                 "template": {"name": "order_shipped", "language": "en_US", "params": ["123", "Tuesday"]},
                 "category": "UTILITY", "sendAt": "2026-12-01T09:00:00Z"}""").get(0);

        assertThat(r).isEqualTo(NotificationRequest.from("crm").id("crm-000123").to("+14155550123")
                .text("Your order 123 has shipped.").template("order_shipped", "en_US")
                .positionalParams(List.of("123", "Tuesday")).namedParams(Map.of()).category("UTILITY")
                .sendAt("2026-12-01T09:00:00Z").build());
    }

    @Test
    void readsNamedParametersAndNumbersWhereCrmsPutThem() throws Exception {
        NotificationRequest r = parse("""
                [{"id": 42, "to": 14155550123, "template": {"name": "t", "language": "en",
                  "params": {"order_id": 123, "express": true}}, "unknownField": {"ignored": 1}}]""").get(0);

        assertThat(r.id()).isEqualTo("42");
        assertThat(r.to()).isEqualTo("14155550123");
        assertThat(r.namedParams()).containsExactly(Map.entry("order_id", "123"), Map.entry("express", "true"));
        assertThat(r.malformed()).isNull();
    }

    @Test
    void aDocumentHoldsExactlyOneValue() throws Exception {
        // CRM pull pages are read by read(), push and mail bodies by parse(): both refuse what follows the value
        for (String document : List.of("{\"items\": []} {\"items\": []}", "[]\n[]", "[] trailing text", "[] ]")) {
            assertThatThrownBy(() -> json.read(document.getBytes(StandardCharsets.UTF_8))).as(document)
                    .isInstanceOf(MalformedJsonException.class).hasMessageStartingWith(
                            "the body holds more than one JSON value: send one object or one array (more content "
                                    + "starts at line ");
        }
        assertThat(json.read("  [] \n\t ".getBytes(StandardCharsets.UTF_8)).isArray()).isTrue();
    }

    @Test
    void aWronglyTypedFieldMarksOnlyItsItemMalformed() throws Exception {
        List<NotificationRequest> items = parse("""
                [{"id": "a", "to": "+14155550123", "text": {"body": "x"}},
                 "just a string",
                 {"id": "c", "to": "+14155550123", "template": {"name": "t", "language": "en", "params": "1,2"}},
                 {"id": "d", "to": "+14155550123", "template": "order_shipped"},
                 {"id": "e", "to": "+14155550123", "template": {"name": "t", "language": "en", "params": [["x"]]}},
                 {"id": "f", "to": "+14155550123", "text": "fine"}]""");

        assertThat(items).extracting(NotificationRequest::malformed).containsExactly(
                "text must be a string, not an object",
                "each notification must be a JSON object, not a string",
                "template.params must be a list (positional {{1}}, {{2}}...) or an object (named parameters), "
                        + "not a string",
                "template must be an object with name, language and params, not a string",
                "template.params[0] must be a string or a number, not an array",
                null);
    }

    @Test
    void aDocumentThatIsNotJsonOrNotNotificationsIsRefusedWhole() {
        assertThatThrownBy(() -> parse("{\"id\": \"x\",")).isInstanceOf(MalformedJsonException.class)
                .hasMessageStartingWith("the body is not valid JSON").hasMessageContaining("line 1");
        assertThatThrownBy(() -> parse("")).isInstanceOf(MalformedJsonException.class)
                .hasMessageStartingWith("the body is empty");
        assertThatThrownBy(() -> parse("\"hello\"")).isInstanceOf(MalformedJsonException.class)
                .hasMessage("the body must be a notification object or an array of them, not a string");
        assertThatThrownBy(() -> parse("{\"id\": \"a\", \"id\": \"b\"}")).isInstanceOf(MalformedJsonException.class)
                .hasMessageContaining("Duplicate field 'id'");
    }
}
