package io.windowgate.notification;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PhoneMaskTest {

    @Test
    void masksANumberKeepingItsFirstThreeAndLastTwoCharacters() {
        assertThat(PhoneMask.mask("+14155550123")).isEqualTo("+14*******23");
        assertThat(PhoneMask.mask("+1234")).isEqualTo("***");
        assertThat(PhoneMask.mask(null)).isEqualTo("***");
    }

    @Test
    void masksEveryNumberWrittenInFreeText() {
        assertThat(PhoneMask.maskIn("{\"id\":\"a-1\",\"to\":\"+14155550123\",\"text\":\"hi\"}"))
                .isEqualTo("{\"id\":\"a-1\",\"to\":\"+14*******23\",\"text\":\"hi\"}");
        assertThat(PhoneMask.maskIn("call +1 415 555 0123 or 14155550199, not 555-0100"))
                .isEqualTo("call +1 **********23 or 141******99, not 555-0100");
        assertThat(PhoneMask.maskIn("recipient '+4420794' is not a valid phone number"))
                .isEqualTo("recipient '+44***94' is not a valid phone number");
    }

    @Test
    void leavesDatesTimesIdsAndShortNumbersAlone() {
        String text = "sent 2026-12-04T20:19:52.751Z, wamid.2c74189f-2995-41dc, error 131047, row 12, order A-12345678";
        assertThat(PhoneMask.maskIn(text)).isEqualTo(text);
        assertThat(PhoneMask.maskIn(null)).isNull();
    }
}
