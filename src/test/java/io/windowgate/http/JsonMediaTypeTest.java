package io.windowgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonMediaTypeTest {

    @Test
    void jsonInAnyCaseWithUtf8OrNoCharsetIsAccepted() {
        assertThat(JsonMediaType.refusal("application/json")).isNull();
        assertThat(JsonMediaType.refusal("APPLICATION/JSON")).isNull();
        assertThat(JsonMediaType.refusal(" Application/Json ; charset=UTF-8")).isNull();
        assertThat(JsonMediaType.refusal("application/json;charset=\"utf-8\"")).isNull();
        assertThat(JsonMediaType.refusal("application/json; CHARSET=Utf-8; boundary=x")).isNull();
    }

    @Test
    void otherMediaTypesAreRefusedSayingWhatToSend() {
        for (String other : new String[] {"application/jsonx", "application/json-patch+json", "text/json",
                "application/x-www-form-urlencoded", "application", "json"}) {
            assertThat(JsonMediaType.refusal(other)).as(other).contains("'" + other + "'")
                    .contains("send Content-Type: application/json");
        }
    }

    @Test
    void aMissingContentTypeIsRefused() {
        assertThat(JsonMediaType.refusal(null)).contains("missing");
        assertThat(JsonMediaType.refusal(" ")).contains("missing");
    }

    @Test
    void anotherCharsetIsRefusedBecauseJsonIsUtf8() {
        assertThat(JsonMediaType.refusal("application/json; charset=iso-8859-1")).contains("UTF-8")
                .contains("'iso-8859-1'");
        assertThat(JsonMediaType.refusal("application/json; charset=\"UTF-16\"")).contains("'UTF-16'");
        assertThat(JsonMediaType.refusal("application/json; charset=")).contains("UTF-8");
    }

    @Test
    void aParameterWithoutValueIsRefused() {
        assertThat(JsonMediaType.refusal("application/json; utf-8")).contains("malformed parameter 'utf-8'");
    }
}
