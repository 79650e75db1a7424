package io.windowgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;

import io.windowgate.notification.BusinessNumbers;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Numbers reads the business numbers from Camel's properties, and maps environment variable names back to keys. */
class NumbersTest {

    private static DefaultCamelContext context(String... keysAndValues) {
        DefaultCamelContext context = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("whatsapp.phone-number-id", "111");
        p.setProperty("whatsapp.api-base-url", "https://graph.example/v22.0");
        p.setProperty("whatsapp.session.url", "https://graph.example/v22.0/111/messages");
        p.setProperty("whatsapp.template.url", "https://graph.example/v22.0/111/messages");
        p.setProperty("whatsapp.max-messages-per-second", "80");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        context.getPropertiesComponent().setInitialProperties(p);
        return context;
    }

    private static BusinessNumbers read(DefaultCamelContext context, String sandboxBase) {
        return Numbers.read(context, new Settings(context), sandboxBase, "sandbox-phone-number");
    }

    @Test
    void theNumbersKeysAreFoundAmongCamelsProperties() {
        BusinessNumbers numbers = read(context("whatsapp.numbers.brand-b.id", "222"), null);

        assertThat(numbers.aliases()).isEqualTo("default, brand-b");
        assertThat(numbers.url("brand-b", "template")).isEqualTo("https://graph.example/v22.0/222/messages");
        assertThat(numbers.aliasOfWebhook("111")).isEqualTo("default");
    }

    @Test
    void inSandboxModeTheSandboxPlaysEveryNumber() {
        BusinessNumbers numbers = read(context("whatsapp.phone-number-id", "", "whatsapp.numbers.brand-b.id", "222"),
                "http://localhost:8080/sandbox");

        assertThat(numbers.url("default", "session")).isEqualTo("http://localhost:8080/sandbox/sandbox-phone-number/messages");
        assertThat(numbers.url("brand-b", "session")).isEqualTo("http://localhost:8080/sandbox/222/messages");
        assertThat(numbers.aliasOfWebhook("sandbox-phone-number")).isEqualTo("default");
    }

    @Test
    void withTheCloudApiOtherNumbersNeedTheDefaultsId() {
        assertThatThrownBy(() -> read(context("whatsapp.phone-number-id", "", "whatsapp.numbers.brand-b.id", "222"),
                null)).hasMessageContaining("whatsapp.phone-number-id is empty while other numbers are configured");
        assertThat(read(context("whatsapp.phone-number-id", ""), null).aliases()).as("alone, as before")
                .isEqualTo("default");
    }

    @Test
    void anEnvironmentVariableNamesTheNumbersKey() {
        assertThat(Numbers.fromEnvironment("WHATSAPP_NUMBERS_BRAND_B_ID")).isEqualTo("whatsapp.numbers.brand-b.id");
        assertThat(Numbers.fromEnvironment("WHATSAPP_NUMBERS_EU_MAX_MESSAGES_PER_SECOND"))
                .isEqualTo("whatsapp.numbers.eu.max-messages-per-second");
        assertThat(Numbers.fromEnvironment("WHATSAPP_NUMBERS_X")).as("reported as an unknown setting at start")
                .isEqualTo("whatsapp.numbers.x");
        assertThat(Numbers.fromEnvironment("WHATSAPP_PHONE_NUMBER_ID")).isNull();
        assertThat(Numbers.fromEnvironment("WHATSAPP_NUMBERS_ID")).as("no alias").isEqualTo("whatsapp.numbers.id");
    }
}
