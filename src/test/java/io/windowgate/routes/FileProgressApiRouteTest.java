package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** GET /api/files and /api/files/{name}: the figures of each dropped file, finished or unreadable. */
class FileProgressApiRouteTest extends RouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void aFinishedFileShowsWhatBecameOfEachRow() throws Exception {
        windows().recordInbound("+14155550100", Instant.now().minusSeconds(600), "wamid.in.1");
        String later = Instant.now().plus(Duration.ofDays(2)).toString();
        drop("figures.csv", "id,to,text,template,language,send_at\n"
                + "f-1,+14155550100,open window,,,\n"
                + "f-2,+14155550101,,order_shipped,en_US,\n"
                + "f-3,+14155550102,closed and text only,,,\n"
                + "f-4,+14155550103,,order_shipped,en_US," + later + "\n"
                + "f-5,nope,bad,,,\n"
                + "f-1,+14155550100,open window,,,\n");

        await().atMost(WAIT).until(() -> Files.exists(dropDir.resolve(".done/figures.csv")));
        await().atMost(WAIT).until(() -> json.readTree(get("/api/files/figures.csv").body()).path("status").asText()
                .equals("DONE"));
        JsonNode file = json.readTree(get("/api/files/figures.csv").body());
        assertThat(file.path("source").asText()).isEqualTo("drop");
        assertThat(file.path("totalRows").asLong()).isEqualTo(6);
        assertThat(file.path("rowsRead").asLong()).isEqualTo(6);
        assertThat(file.path("accepted").asLong()).isEqualTo(4);
        assertThat(file.path("sent").asLong()).isEqualTo(2);
        assertThat(file.path("held").asLong()).isEqualTo(1);
        assertThat(file.path("scheduled").asLong()).isEqualTo(1);
        assertThat(file.path("rejected").asLong()).isEqualTo(1);
        assertThat(file.path("duplicates").asLong()).isEqualTo(1);
        assertThat(file.path("failed").asLong()).isZero();
        assertThat(file.path("etaSeconds").isNull()).isTrue();
        assertThat(file.path("finishedAt").asText()).isNotEmpty();

        JsonNode list = json.readTree(get("/api/files").body());
        assertThat(list.path("files")).extracting(f -> f.path("name").asText()).contains("figures.csv");
    }

    @Test
    void anUnreadableFileIsListedWithItsReasonAndAnUnknownOneIs404() throws Exception {
        drop("latin1.csv", "id,to,text\n");
        Files.write(dropDir.resolve("latin1.csv.tmp"), new byte[] {'i', 'd', ',', 't', 'o', '\n', (byte) 0xE9, '\n'});
        Files.move(dropDir.resolve("latin1.csv.tmp"), dropDir.resolve("broken.csv"));

        await().atMost(WAIT).until(() -> get("/api/files/broken.csv").statusCode() == 200);
        JsonNode broken = json.readTree(get("/api/files/broken.csv").body());
        assertThat(broken.path("status").asText()).isEqualTo("ERROR");
        assertThat(broken.path("reason").asText()).contains("not UTF-8");
        assertThat(broken.path("totalRows").isNull()).isTrue();

        var unknown = get("/api/files/never-dropped.csv");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/json");
    }
}
