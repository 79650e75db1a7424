package io.windowgate.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a reason shows of the input it quotes: short, printable, and said to be cut when it is. */
class ExcerptTest {

    @Test
    void shortPrintableInputIsQuotedAsItIs() {
        assertThat(Excerpt.quoted("not-a-phone")).isEqualTo("'not-a-phone'");
        assertThat(Excerpt.of("Grüße 👋, 'Ana'")).isEqualTo("Grüße 👋, 'Ana'");
        assertThat(Excerpt.of("")).isEmpty();
    }

    @Test
    void controlCharactersAreShownAsEscapes() {
        assertThat(Excerpt.of("a\u0000b\tc\r\nd\u007f\u202ee")).isEqualTo("a\\u0000b\\u0009c\\u000d\\u000ad\\u007f\\u202ee");
    }

    @Test
    void longInputIsCutAt80CharactersWithAnEllipsis() {
        String cut = Excerpt.of("x".repeat(4096));
        assertThat(cut).isEqualTo("x".repeat(Excerpt.MAX_CHARS) + "…");
        assertThat(Excerpt.of("x".repeat(Excerpt.MAX_CHARS))).isEqualTo("x".repeat(Excerpt.MAX_CHARS));
    }

    @Test
    void escapesCountTowardsTheLimitAndAreNeverCutInHalf() {
        String nuls = Excerpt.of("\u0000".repeat(4096));
        assertThat(nuls).isEqualTo("\\u0000".repeat(Excerpt.MAX_CHARS / 6) + "…");
        assertThat(nuls.length()).isLessThanOrEqualTo(Excerpt.MAX_CHARS + 1);
    }

    @Test
    void aCharacterOutsideTheBasicPlaneIsNotSplit() {
        String emoji = "\uD83D\uDE00";
        String cut = Excerpt.of("x".repeat(Excerpt.MAX_CHARS - 1) + emoji + "tail");
        assertThat(cut).isEqualTo("x".repeat(Excerpt.MAX_CHARS - 1) + "…");
    }

    @Test
    void nullIsShownAsNothing() {
        assertThat(Excerpt.quoted(null)).isEqualTo("''");
    }
}
