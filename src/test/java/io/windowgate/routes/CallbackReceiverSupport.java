package io.windowgate.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterEach;

/**
 * Route tests with an event receiver: a WireMock server started from {@link #extraProperties()} (before the app, which
 * is given its URL) and stopped after each test.
 */
abstract class CallbackReceiverSupport extends RouteTestSupport {

    WireMockServer receiver;

    /** Starts the receiver; call it from {@code extraProperties()}, then stub it. */
    WireMockServer startReceiver() {
        receiver = new WireMockServer(options().dynamicPort());
        receiver.start();
        return receiver;
    }

    /** The POSTs the receiver has had on a path. */
    int requestsAt(String path) {
        return receiver.findAll(postRequestedFor(urlPathEqualTo(path))).size();
    }

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.stop();
        }
    }
}
