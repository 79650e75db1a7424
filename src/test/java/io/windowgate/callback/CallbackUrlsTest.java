package io.windowgate.callback;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which receivers events may go to, with private networks allowed (the default) and refused. */
class CallbackUrlsTest {

    private final CallbackUrls open = new CallbackUrls(true);
    private final CallbackUrls strict = new CallbackUrls(false);

    @Test
    void httpAndHttpsReceiversPass() {
        assertThat(open.problem("https://crm.example.com/windowgate/events?tenant=7")).isNull();
        assertThat(open.problem("http://10.1.2.3:8080/hook")).isNull();
        assertThat(open.problem("http://localhost:9000/hook")).isNull();
        assertThat(strict.problem("https://crm.example.com/hook")).isNull();
        assertThat(strict.problem("https://93.184.216.34/hook")).isNull();
    }

    @Test
    void otherSchemesCredentialsAndOverlongUrlsAreRefusedWithAReason() {
        assertThat(open.problem("ftp://crm.example.com/x")).contains("not an http or https URL");
        assertThat(open.problem("mailto:ops@example.com")).contains("not an http or https URL");
        assertThat(open.problem("https:///no-host")).contains("with a host");
        assertThat(open.problem("https://bad url/x")).contains("is not a URL");
        assertThat(open.problem("https://user:secret@crm.example.com/x")).contains("user name or password")
                .doesNotContain("secret@");
        assertThat(open.problem("https://crm.example.com/" + "a".repeat(2048))).contains("at most 2048");
    }

    @Test
    void privateTargetsAreRefusedOnlyWhenNotAllowed() {
        for (String url : new String[] {"http://127.0.0.1/x", "http://localhost/x", "http://api.localhost/x",
                "http://10.0.0.5/x", "http://192.168.1.1/x", "http://172.16.0.1/x", "http://169.254.169.254/latest",
                "http://[::1]/x", "http://[fd00::1]/x", "http://0.0.0.0/x"}) {
            assertThat(strict.problem(url)).as(url).contains("private-network");
            assertThat(open.problem(url)).as(url).isNull();
        }
        assertThat(strict.refusedTarget("localhost")).contains("callbacks.allow-private=false");
        assertThat(open.refusedTarget("localhost")).isNull();
        assertThat(strict.refusedTarget("no-such-host.invalid")).as("fails at sending, and is retried").isNull();
    }
}
