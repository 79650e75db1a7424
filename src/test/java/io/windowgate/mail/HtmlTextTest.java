package io.windowgate.mail;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The text of HTML-only mails. */
class HtmlTextTest {

    @Test
    void keepsTheWordsAndTheParagraphBreaks() {
        assertThat(HtmlText.toText("<html><head><title>t</title><style>p{}</style></head><body>\n"
                + "<div>Hello&nbsp;<b>Anna</b>,</div>\n<p>your order\n  shipped.<br>Total: 5&euro; &lt;paid&gt;</p>"
                + "<!-- tracking --><script>track()</script><p>&#x2713; &#10003; &quot;ACME&quot; &amp; co</p>"
                + "</body></html>"))
                .isEqualTo("Hello Anna,\nyour order shipped.\nTotal: 5€ <paid>\n✓ ✓ \"ACME\" & co");
    }

    @Test
    void leavesUnknownEntitiesAndInvalidCodePointsAlone() {
        assertThat(HtmlText.toText("a &bogus; b &#1114112; c")).isEqualTo("a &bogus; b &#1114112; c");
    }

    @Test
    void decodesEveryNamedEntityOfHtml() {
        assertThat(HtmlText.toText("<p>Gr&uuml;&szlig;e aus M&uuml;nchen, caf&eacute; &amp; cr&egrave;me br&ucirc;l&eacute;e"
                + "</p><p>It&rsquo;s &ldquo;ready&rdquo; &ndash; &copy; ACME &middot; 3&times;&nbsp;&frac12;&deg;</p>"))
                .isEqualTo("Grüße aus München, café & crème brûlée\nIt’s “ready” – © ACME · 3× ½°");
    }

    @Test
    void decodesDecimalAndHexReferencesAsTheCharacterTheyNumber() {
        assertThat(HtmlText.toText("<p>&#252;ber &#xFC;ber &#XfC;ber &#0252;ber &#x1F600; &#8217; &#x20AC;</p>"))
                .isEqualTo("über über über über 😀 ’ €");
    }

    @Test
    void aReferenceToNoCharacterStaysAsWritten() {
        assertThat(HtmlText.toText("<p>a &#0; b &#xD800; c &#99999999999; d &#x110000; e</p>"))
                .isEqualTo("a &#0; b &#xD800; c &#99999999999; d &#x110000; e");
    }

    @Test
    void listsTablesAndHeadingsKeepTheirLines() {
        assertThat(HtmlText.toText("<h1>Bestellung</h1><ul><li>Stühle</li><li>Tisch</li></ul>"
                + "<table><tr><td>Summe</td><td>50&nbsp;&euro;</td></tr></table><blockquote>Danke</blockquote>x"))
                .isEqualTo("Bestellung\nStühle\nTisch\nSumme 50 €\nDanke\nx");
    }

    @Test
    void brokenMarkupStillGivesItsWords() {
        assertThat(HtmlText.toText("<div>Ihre <b>Rechnung<p>ist da &lt;3 <script>x()</scr"))
                .isEqualTo("Ihre Rechnung\nist da <3");
    }
}
