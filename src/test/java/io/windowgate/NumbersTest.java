package io.windowgate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The whatsapp.numbers.* keys Camel cannot enumerate: environment variable names mapped back to property keys. */
class NumbersTest {

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
