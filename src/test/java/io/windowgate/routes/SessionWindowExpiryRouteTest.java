package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import javax.sql.DataSource;

import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.store.NotificationStore;
import org.apache.camel.component.quartz.QuartzComponent;
import org.junit.jupiter.api.Test;
import org.quartz.JobKey;
import org.quartz.Scheduler;

/** session-window-expiry: the Quartz job expires stale windows and old held notifications, and never overlaps itself. */
class SessionWindowExpiryRouteTest extends RouteTestSupport {

    private static final JobKey JOB = JobKey.jobKey("session-window-expiry", "windowgate");

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("hold.max-age", "PT0S");
        return p;
    }

    @Test
    void sweepExpiresStaleWindowsAndOldHeldNotifications() throws Exception {
        windows().recordInbound("+14155550100", Instant.now().minus(Duration.ofHours(23)), "wamid.fresh");
        windows().recordInbound("+14155550101", Instant.now().minus(Duration.ofHours(25)), "wamid.stale");
        NotificationStore store = context.getRegistry().lookupByNameAndType("notificationStore", NotificationStore.class);
        store.insert(new Notification("held-old", "+14155550102", "hi", null, null, null, "csv"), Status.HELD);

        assertThat(windowState("+14155550101")).as("not yet swept").isEqualTo("OPEN");

        runScheduledRoute("session-window-expiry");

        assertThat(windowState("+14155550100")).isEqualTo("OPEN");
        assertThat(windowState("+14155550101")).isEqualTo("EXPIRED");
        assertThat(statusOf("held-old")).isEqualTo(Status.EXPIRED);
        assertThat(stored("held-old").errorDetails()).contains("hold.max-age");
    }

    @Test
    void sweepNeverRunsTwiceAtOnce() throws Exception {
        assertThat(scheduler().getJobDetail(JOB).isConcurrentExecutionDisallowed()).isTrue();
    }

    private Scheduler scheduler() {
        return context.getComponent("quartz", QuartzComponent.class).getScheduler();
    }

    private String windowState(String recipient) throws Exception {
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT state FROM session_window_status WHERE recipient = ?")) {
            s.setString(1, recipient);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1).trim() : null;
            }
        }
    }
}
