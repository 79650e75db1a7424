package io.windowgate.http;

import java.time.Duration;

import org.apache.camel.support.service.ServiceSupport;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.IdleConnectionEvictor;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The pooled connections of the outbound HTTP calls: the Cloud API and the CRM feed (shared by Camel's http and https
 * components), and, in a pool of their own, the event receivers (callbacks). A server closes a keep-alive connection that stayed idle for its keep-alive timeout without telling the
 * client, and the client learns it only when it sends on it: the request is lost on the way, and a send's outcome is
 * then unknown although it never reached the provider. Camel's own pool neither checks nor evicts idle connections, so
 * this one does both:
 * <ul>
 * <li>a connection idle for {@link #VALIDATE_AFTER} is checked before it is reused (a read of at most 1 ms that sees
 * whether the server closed it), and replaced by a new one when it was closed;</li>
 * <li>a connection idle for {@link #EVICT_AFTER} is closed by a background thread, before a server with a keep-alive
 * timeout of a few seconds or more closes it.</li>
 * </ul>
 * Under load a sender reuses its connection within milliseconds, so neither costs anything on the busy path.
 */
public final class ProviderConnections extends ServiceSupport {

    /**
     * Idle time after which a connection is checked before reuse: short, because a server may close idle connections
     * soon (some close them within a second); a check costs up to 1 ms of waiting, paid only after a pause.
     */
    public static final Duration VALIDATE_AFTER = Duration.ofMillis(500);
    /** Idle time after which the pool closes a connection itself; below the keep-alive timeouts servers commonly use. */
    public static final Duration EVICT_AFTER = Duration.ofSeconds(3);

    private final PoolingHttpClientConnectionManager manager;
    private final IdleConnectionEvictor evictor;

    /**
     * @param perHost         connections to one host (camel.component.http.connections-per-route)
     * @param total           connections in all (camel.component.http.max-total-connections)
     * @param connectTimeout  longest wait for a new connection
     * @param responseTimeout longest wait for a read once connected
     */
    public ProviderConnections(int perHost, int total, Duration connectTimeout, Duration responseTimeout) {
        manager = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(perHost)
                .setMaxConnTotal(total)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.ofMilliseconds(connectTimeout.toMillis()))
                        .setSocketTimeout(Timeout.ofMilliseconds(responseTimeout.toMillis()))
                        .setValidateAfterInactivity(TimeValue.ofMilliseconds(VALIDATE_AFTER.toMillis()))
                        .build())
                .build();
        evictor = new IdleConnectionEvictor(manager, TimeValue.ofSeconds(1),
                TimeValue.ofMilliseconds(EVICT_AFTER.toMillis()));
    }

    /** The pool, for camel.component.http(s).client-connection-manager. */
    public PoolingHttpClientConnectionManager manager() {
        return manager;
    }

    @Override
    protected void doStart() {
        evictor.start();
    }

    @Override
    protected void doStop() {
        evictor.shutdown();
        manager.close(CloseMode.GRACEFUL);
    }
}
