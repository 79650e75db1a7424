package io.windowgate.ops;

import io.windowgate.notification.Notification;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.engine.DefaultUnitOfWorkFactory;
import org.apache.camel.impl.engine.MDCUnitOfWork;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.spi.UnitOfWork;
import org.apache.camel.spi.UnitOfWorkFactory;
import org.slf4j.MDC;

/**
 * Camel's MDC (route id, exchange id) plus {@value #KEY}: the id of the notification an exchange is working on, so
 * that every log line about it, from a route or from a bean the route calls, can be found by the id (a field of its
 * own in the JSON log lines). Camel sets its keys before each step; this adds the id as soon as the exchange carries
 * a notification: the {@code notification} property the send routes set, or a notification as the body (dispatch).
 */
public final class NotificationMdc extends MDCUnitOfWork {

    public static final String KEY = "notification.id";

    private final InflightRepository inflight;
    private final String pattern;
    private final boolean allowUseOriginalMessage;
    private final boolean useBreadcrumb;

    NotificationMdc(Exchange exchange, InflightRepository inflight, String pattern, boolean allowUseOriginalMessage,
            boolean useBreadcrumb) {
        super(exchange, inflight, pattern, allowUseOriginalMessage, useBreadcrumb);
        this.inflight = inflight;
        this.pattern = pattern;
        this.allowUseOriginalMessage = allowUseOriginalMessage;
        this.useBreadcrumb = useBreadcrumb;
    }

    @Override
    protected void prepareMDC(Exchange exchange) {
        super.prepareMDC(exchange);
        Object notification = exchange.getProperty("notification");
        if (!(notification instanceof Notification)) {
            notification = exchange.getMessage().getBody();
        }
        if (notification instanceof Notification n) {
            MDC.put(KEY, n.id());
        } else {
            MDC.remove(KEY);
        }
    }

    @Override
    public void clear() {
        super.clear();
        MDC.remove(KEY);
    }

    @Override
    public UnitOfWork newInstance(Exchange exchange) {
        return new NotificationMdc(exchange, inflight, pattern, allowUseOriginalMessage, useBreadcrumb);
    }

    /** Makes every unit of work a {@link NotificationMdc} while MDC logging is on (camel.main.use-mdc-logging). */
    public static final class Factory implements UnitOfWorkFactory {
        private final DefaultUnitOfWorkFactory withoutMdc = new DefaultUnitOfWorkFactory();
        private InflightRepository inflight;
        private boolean mdc;
        private String pattern;
        private boolean allowUseOriginalMessage;
        private boolean useBreadcrumb;

        @Override
        public void afterPropertiesConfigured(CamelContext context) {
            withoutMdc.afterPropertiesConfigured(context);
            inflight = context.getInflightRepository();
            mdc = Boolean.TRUE.equals(context.isUseMDCLogging());
            pattern = context.getMDCLoggingKeysPattern();
            allowUseOriginalMessage = Boolean.TRUE.equals(context.isAllowUseOriginalMessage());
            useBreadcrumb = Boolean.TRUE.equals(context.isUseBreadcrumb());
        }

        @Override
        public UnitOfWork createUnitOfWork(Exchange exchange) {
            return mdc ? new NotificationMdc(exchange, inflight, pattern, allowUseOriginalMessage, useBreadcrumb)
                    : withoutMdc.createUnitOfWork(exchange);
        }
    }
}
