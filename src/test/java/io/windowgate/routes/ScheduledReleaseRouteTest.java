package io.windowgate.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import io.windowgate.notification.Notification;
import io.windowgate.notification.Status;
import io.windowgate.notification.TemplateRef;
import io.windowgate.store.NotificationStore;
import org.junit.jupiter.api.Test;

/** scheduled-release: notifications with a future sendAt wait, then go out routed by the window at release time. */
class ScheduledReleaseRouteTest extends RouteTestSupport {

    @Override
    Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("schedule.cron", "0 0 0 1 1 ? 2099");
        return p;
    }

    @Test
    void futureSendAtWaitsAndDueOnesGoOutByTheWindowAtReleaseTime() throws Exception {
        String later = Instant.now().plus(Duration.ofHours(1)).toString();
        String past = Instant.now().minus(Duration.ofMinutes(1)).toString();
        drop("s.csv", "id,to,template,language,send_at\nfuture,+14155550101,reminder,en_US," + later + "\n"
                + "past,+14155550102,reminder,en_US," + past + "\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(dropDir.resolve(".done/s.csv")));
        // sent by the thread that read the row, before the file is done
        assertThat(statusOf("future")).isEqualTo(Status.SCHEDULED);
        assertThat(statusOf("past")).isEqualTo(Status.SENT);

        // due while the service was down; the customer wrote in after it was scheduled: it goes out as text
        NotificationStore store = context.getRegistry().lookupByNameAndType("notificationStore", NotificationStore.class);
        store.insert(new Notification("overdue", "+14155550100", "Your appointment is in one hour",
                new TemplateRef("appointment_reminder", "en_US", null, null), null,
                Instant.now().minus(Duration.ofHours(2)), "csv"), Status.SCHEDULED);
        windows().recordInbound("+14155550100", Instant.now(), "wamid.in");

        runScheduledRoute("scheduled-release");

        await().atMost(Duration.ofSeconds(10)).until(() -> statusOf("overdue") == Status.SENT);
        assertThat(stored("overdue").route()).isEqualTo("session");
        assertThat(statusOf("future")).isEqualTo(Status.SCHEDULED);
        assertThat(sendsOf("future")).isZero();
    }
}
