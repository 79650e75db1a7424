package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The operator console in a real browser (Debian's headless Chromium through its chromedriver) against the running
 * app: a dropped file's progress bar reaches 100 %, and a FAILED notification is sent again with its Retry button.
 * Chromium is installed by .ci/run; elsewhere the test is skipped unless {@code -Dbrowser.required=true}.
 */
class ConsoleBrowserTest extends RouteTestSupport {

    private static final Path CHROMIUM = Path.of(System.getProperty("browser.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("browser.chromedriver",
            "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String UNREACHABLE = "+14155550199";

    private WebDriver browser;

    private WebDriver browser() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && Boolean.getBoolean("browser.required")) {
            throw new IllegalStateException(CHROMIUM + " or " + CHROMEDRIVER + " is missing: install Debian's "
                    + "chromium and chromium-driver (apt-get install chromium chromium-driver)");
        }
        Assumptions.assumeTrue(present, "no Chromium here (" + CHROMIUM + ", " + CHROMEDRIVER + "): browser test skipped");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + Files.createTempDirectory("chromium-" + UUID.randomUUID()));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        return browser;
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aDroppedFileReachesOneHundredPercentAndAFailedNotificationIsRetriedFromThePage() throws Exception {
        // the provider refuses one recipient for good (131026, not reachable on WhatsApp) until the test lifts it
        StubMapping refusal = provider.stubFor(post(urlPathMatching("/v22.0/.*/messages"))
                .withRequestBody(containing(UNREACHABLE.substring(1))).atPriority(1)
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"(#131026) Message undeliverable\",\"type\":"
                                + "\"OAuthException\",\"code\":131026,\"error_data\":{\"messaging_product\":"
                                + "\"whatsapp\",\"details\":\"not a WhatsApp user\"}}}")));
        WebDriver page = browser();
        page.get(base() + "/console");
        page.findElement(By.id("token")).sendKeys(ADMIN_TOKEN);
        page.findElement(By.cssSelector("#token-form button")).click();
        await().atMost(WAIT).until(() -> "SENDING".equals(page.findElement(By.id("sending-state")).getText()));

        StringBuilder csv = new StringBuilder("id,to,template,language,param1\n");
        for (int i = 0; i < 40; i++) {
            csv.append("bulk-").append(i).append(",+44207946").append(String.format("%04d", i))
                    .append(",order_shipped,en_US,").append(i).append('\n');
        }
        csv.append("bulk-unreachable,").append(UNREACHABLE).append(",order_shipped,en_US,x\n");
        csv.append("bulk-bad,not-a-phone,order_shipped,en_US,x\n");
        // checked first: nothing is sent, the page shows what each row would do
        Path check = Files.createTempFile("check-", ".csv");
        Files.writeString(check, csv.toString());
        page.findElement(By.cssSelector("#preview summary")).click();
        page.findElement(By.id("preview-file")).sendKeys(check.toString());
        page.findElement(By.id("preview-run")).click();
        await().atMost(WAIT).until(() -> !page.findElements(By.id("preview-totals")).isEmpty());
        assertThat(page.findElement(By.id("preview-totals")).getText()).contains("TEMPLATE: 41").contains("REJECTED: 1");
        assertThat(statusOf("bulk-0")).as("the check stores nothing").isNull();

        drop("bulk.csv", csv.toString());

        By bar = By.cssSelector("[role=progressbar][data-file='bulk.csv']");
        await().atMost(WAIT).until(() -> !page.findElements(bar).isEmpty()
                && "100".equals(page.findElement(bar).getAttribute("aria-valuenow")));
        WebElement row = page.findElement(By.cssSelector("tr[data-file='bulk.csv']"));
        assertThat(row.findElement(By.className("file-status")).getText()).isEqualTo("DONE");
        assertThat(row.getText()).contains("40");
        assertThat(statusOf("bulk-unreachable")).isEqualTo(Status.FAILED);

        By retry = By.cssSelector("button[data-retry='bulk-unreachable']");
        await().atMost(WAIT).until(() -> !page.findElements(retry).isEmpty());
        assertThat(page.findElement(By.cssSelector("tr[data-id='bulk-unreachable']")).getText()).contains("131026");
        provider.removeStub(refusal);
        page.findElement(retry).click();

        await().atMost(WAIT).until(() -> statusOf("bulk-unreachable") == Status.SENT);
        await().atMost(WAIT).until(() -> page.findElements(By.cssSelector("tr[data-id='bulk-unreachable']")).isEmpty());
        assertThat(sendsOf("bulk-unreachable")).isEqualTo(2);
        // the chart draws this minute's sends once the activity is read again
        await().atMost(WAIT).until(() -> !page.findElements(By.cssSelector("#chart rect.template")).isEmpty());
        assertThat(page.findElement(By.id("message")).isDisplayed()).as("no error shown").isFalse();
    }

    @Test
    void withoutATokenThePageShowsNothingAndAWrongTokenIsReported() throws Exception {
        WebDriver page = browser();
        page.get(base() + "/console");
        assertThat(page.findElement(By.id("who")).getText()).contains("no token");
        assertThat(page.findElement(By.id("sending-state")).getText()).isEqualTo("…");

        page.findElement(By.id("token")).sendKeys("wrong-token");
        page.findElement(By.cssSelector("#token-form button")).click();

        await().atMost(WAIT).until(() -> page.findElement(By.id("message")).getText().contains("HTTP 401"));
    }
}
