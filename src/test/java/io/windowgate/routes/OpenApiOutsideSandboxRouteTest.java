package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

/**
 * With provider credentials the sandbox is not served: its paths answer 404, as the OpenAPI document says (the
 * checking client of {@link RouteTestSupport} holds each answer to it).
 */
class OpenApiOutsideSandboxRouteTest extends RouteTestSupport {

    @Test
    void theSandboxPathsAnswer404AsDocumented() throws Exception {
        for (String[] call : new String[][] {{"GET", "/sandbox/messages"},
                {"POST", "/sandbox/customers/+14155550100/messages"}, {"POST", "/sandbox/123/messages"}}) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base() + call[1]))
                    .method(call[0], HttpRequest.BodyPublishers.ofString("{}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(call[0] + " " + call[1]).isEqualTo(404);
        }
        assertThat(OpenApiContract.DOCUMENT.find("GET", "/sandbox/messages")).isPresent();
    }
}
