package io.windowgate.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import io.windowgate.notification.BusinessNumbers.BusinessNumber;
import org.junit.jupiter.api.Test;

/** The business numbers read from whatsapp.phone-number-id and whatsapp.numbers.&lt;alias&gt;.*. */
class BusinessNumbersTest {

    private static final BusinessNumber DEFAULT = new BusinessNumber("default", "111", 80, "https://x/session",
            "https://x/template");

    private static BusinessNumbers of(Map<String, String> properties) {
        return BusinessNumbers.of(DEFAULT, properties, id -> "https://graph/v22.0/" + id + "/messages");
    }

    @Test
    void aliasesAndIdsNameTheNumbersAndEachHasItsUrlAndRate() {
        BusinessNumbers numbers = of(Map.of("whatsapp.numbers.brand-b.id", "222",
                "whatsapp.numbers.brand-b.max-messages-per-second", "20", "whatsapp.numbers.eu-2.id", " 333 "));

        assertThat(numbers.aliases()).isEqualTo("default, brand-b, eu-2");
        assertThat(numbers.resolve("brand-b")).isEqualTo("brand-b");
        assertThat(numbers.resolve("333")).isEqualTo("eu-2");
        assertThat(numbers.resolve("111")).isEqualTo("default");
        assertThat(numbers.resolve("default")).isEqualTo("default");
        assertThat(numbers.resolve("brand-c")).isNull();
        assertThat(numbers.url("brand-b", "session")).isEqualTo("https://graph/v22.0/222/messages");
        assertThat(numbers.url("default", "session")).isEqualTo("https://x/session");
        assertThat(numbers.url("default", "template")).isEqualTo("https://x/template");
        assertThat(numbers.byAlias("brand-b").maxPerSecond()).isEqualTo(20);
        assertThat(numbers.byAlias("eu-2").maxPerSecond()).as("whatsapp.max-messages-per-second").isEqualTo(80);
    }

    @Test
    void aWebhookIsTheNumbersItsPhoneNumberIdNames() {
        BusinessNumbers numbers = of(Map.of("whatsapp.numbers.brand-b.id", "222"));

        assertThat(numbers.aliasOfWebhook("222")).isEqualTo("brand-b");
        assertThat(numbers.aliasOfWebhook("111")).isEqualTo("default");
        assertThat(numbers.aliasOfWebhook("999")).as("not configured").isNull();
        assertThat(numbers.aliasOfWebhook("")).as("no metadata").isEqualTo("default");
        BusinessNumbers noDefaultId = BusinessNumbers.of(new BusinessNumber("default", "", 80, "u", "u"), Map.of(),
                id -> id);
        assertThat(noDefaultId.aliasOfWebhook("999")).as("default id unknown: as before").isEqualTo("default");
    }

    @Test
    void badSettingsStopTheStartNamingTheProperty() {
        assertThatThrownBy(() -> of(Map.of("whatsapp.numbers.Brand_B.id", "222")))
                .hasMessageContaining("whatsapp.numbers.Brand_B.id")
                .hasMessageContaining("lower-case letters, digits and '-'");
        assertThatThrownBy(() -> of(Map.of("whatsapp.numbers.brand-b.id", "+1 555 0100")))
                .hasMessageContaining("whatsapp.numbers.brand-b.id must be a phone number id");
        assertThatThrownBy(() -> of(Map.of("whatsapp.numbers.brand-b.id", "111")))
                .hasMessageContaining("whatsapp.numbers.brand-b.id and whatsapp.phone-number-id are the same");
        assertThatThrownBy(() -> of(Map.of("whatsapp.numbers.a.id", "5", "whatsapp.numbers.b.id", "5")))
                .hasMessageContaining("whatsapp.numbers.").hasMessageContaining("the same phone number id 5");
        assertThatThrownBy(() -> of(Map.of("whatsapp.numbers.brand-b.max-messages-per-second", "10")))
                .hasMessageContaining("whatsapp.numbers.brand-b.id is not");
        assertThatThrownBy(() -> of(Map.of("whatsapp.numbers.brand-b.id", "2",
                "whatsapp.numbers.brand-b.max-messages-per-second", "fast")))
                .hasMessageContaining("whatsapp.numbers.brand-b.max-messages-per-second must be a positive number");
        assertThatThrownBy(() -> of(Map.of("whatsapp.numbers.brand-b.url", "x")))
                .hasMessageContaining("whatsapp.numbers.brand-b.url is not a business number setting");
        assertThatThrownBy(() -> of(Map.of("whatsapp.numbers.default.id", "9")))
                .hasMessageContaining("the alias 'default' is the number of whatsapp.phone-number-id");
        assertThatThrownBy(() -> BusinessNumbers.checkDefaultId("abc"))
                .hasMessageContaining("whatsapp.phone-number-id must be a phone number id");
    }
}
