package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.windowgate.notification.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * dispatch.concurrency senders make that many provider calls at once: the HTTP client's pool is not a lower limit (its
 * own default of 20 connections per host was, and the senders over 20 waited for a connection).
 */
class ProviderConnectionsRouteTest extends RouteTestSupport {

    private static final int SENDERS = 24;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    /** Every call is held until SENDERS calls have arrived (or 4 s have passed): only then do all answer. */
    private final CountDownLatch allArrived = new CountDownLatch(SENDERS);
    private ExecutorService standInThreads;
    private HttpServer standIn;

    @Override
    Properties extraProperties() {
        try {
            standInThreads = Executors.newCachedThreadPool();
            standIn = HttpServer.create(new InetSocketAddress("localhost", 0), 64);
            standIn.createContext("/v22.0/template/messages", this::answerWhenAllArrived);
            standIn.setExecutor(standInThreads);
            standIn.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Properties p = new Properties();
        p.setProperty("dispatch.concurrency", Integer.toString(SENDERS));
        p.setProperty("whatsapp.template.url",
                "http://localhost:" + standIn.getAddress().getPort() + "/v22.0/template/messages");
        return p;
    }

    private void answerWhenAllArrived(HttpExchange call) throws IOException {
        try (call) {
            call.getRequestBody().readAllBytes();
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            allArrived.countDown();
            try {
                allArrived.await(4, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] answer = ("{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid." + UUID.randomUUID()
                    + "\"}]}").getBytes(StandardCharsets.UTF_8);
            inFlight.decrementAndGet();
            call.getResponseHeaders().set("Content-Type", "application/json");
            call.sendResponseHeaders(200, answer.length);
            try (OutputStream out = call.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    @AfterEach
    void stopStandIn() {
        standIn.stop(0);
        standInThreads.shutdownNow();
    }

    @Test
    void everySenderHasAConnectionToTheProvider() throws Exception {
        StringBuilder csv = new StringBuilder("id,to,template,language\n");
        IntStream.range(0, SENDERS).forEach(i -> csv.append("c-").append(i).append(",+1415555")
                .append(String.format("%04d", 2000 + i)).append(",order_shipped,en_US\n"));

        drop("wide.csv", csv.toString());

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(IntStream.range(0, SENDERS)
                .mapToObj(i -> statusOf("c-" + i))).containsOnly(Status.SENT));
        // all of them at the stand-in at the same time: with 20 connections per host, 4 senders would have waited
        assertThat(mostInFlight.get()).isEqualTo(SENDERS);
    }
}
