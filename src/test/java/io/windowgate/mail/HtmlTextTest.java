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
}
