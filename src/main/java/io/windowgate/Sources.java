package io.windowgate;

import java.time.Clock;
import java.time.Duration;

import io.windowgate.callback.CallbackUrls;
import io.windowgate.callback.Callbacks;
import io.windowgate.cluster.ClusterLock;
import io.windowgate.crm.CrmPoller;
import io.windowgate.crm.CrmPushApi;
import io.windowgate.csv.CsvDropReader;
import io.windowgate.mail.MailIntake;
import io.windowgate.mail.MailUrl;
import io.windowgate.notification.NotificationIntake;
import io.windowgate.notification.NotificationJson;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.NotificationValidator;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where notifications come from: the CRM (push API and pull), the mailbox and the drop folder, each mapped onto the
 * canonical notification, validated and stored by one intake. Several nodes on one database process each dropped file
 * and each mail once (a cluster lock per source).
 */
final class Sources {

    private static final Logger LOG = LoggerFactory.getLogger(Sources.class);

    final NotificationValidator validator;

    Sources(CamelContext context, Settings settings, Stores stores, Sending sending, Clock clock) throws Exception {
        Registry registry = context.getRegistry();
        validator = new NotificationValidator(settings.get("default-region"),
                context.getRegistry().lookupByNameAndType("businessNumbers", BusinessNumbers.class),
                new CallbackUrls(Boolean.parseBoolean(settings.get("callbacks.allow-private"))));
        NotificationIntake intake = new NotificationIntake(validator, stores.notifications, sending.outbox,
                stores.consents, clock, registry.lookupByNameAndType("callbacks", Callbacks.class));
        NotificationJson notificationJson = new NotificationJson();
        Duration lockMaxAge = settings.getDuration("cluster.lock-max-age");
        for (String source : new String[] {"drop-file", "mail"}) {
            ClusterLock lock = new ClusterLock(stores.locks, source, sending.outbox.owner(), lockMaxAge, clock);
            context.addService(lock, true, true);
            registry.bind(source.equals("mail") ? "mailLock" : "dropFileLock", lock);
        }
        registry.bind("notificationIntake", intake);
        registry.bind("csvDropReader", new CsvDropReader(settings.get("drop.dir"), stores.dropFiles, clock,
                settings.getDuration("drop.progress-interval")));
        registry.bind("crmPushApi", new CrmPushApi(settings.getInt("crm.max-batch"),
                settings.getLong("crm.max-body-bytes"), notificationJson, intake));
        registry.bind("crmPoller", new CrmPoller(settings.get("crm.poll.url"), settings.get("crm.poll.cursor-param"),
                settings.get("crm.poll.auth-header"), settings.get("crm.poll.auth-value"),
                settings.getInterval("crm.poll.interval"), settings.getInterval("crm.poll.max-backoff"),
                settings.getInt("crm.poll.max-pages"), stores.sources, notificationJson, intake, clock));
        MailIntake mailIntake = new MailIntake(settings.get("mail.allowed-senders"), settings.get("drop.dir"),
                notificationJson, stores.sources);
        if (Boolean.parseBoolean(settings.get("mail.enabled")) && !mailIntake.hasAllowedSenders()) {
            LOG.warn("mail.allowed-senders is empty: every mail will be refused. List the addresses (or @domains) "
                    + "allowed to send notifications by mail.");
        }
        registry.bind("mailIntake", mailIntake);
    }

    /**
     * Switches the optional sources on or off: CRM pull when crm.poll.url is set, email when mail.url is set. Their
     * routes always exist (stopped when off), so their endpoints get harmless stand-in values when off.
     */
    static void switchOnOff(CamelContext context, Settings settings) {
        PropertiesComponent properties = context.getPropertiesComponent();
        boolean poll = !settings.get("crm.poll.url").isBlank();
        if (poll && !settings.get("crm.poll.url").matches("https?://.+")) {
            throw new IllegalStateException("crm.poll.url must be an http:// or https:// URL, was '"
                    + settings.get("crm.poll.url") + "'");
        }
        Duration interval = settings.getInterval("crm.poll.interval");
        properties.addOverrideProperty("crm.poll.enabled", Boolean.toString(poll));
        properties.addOverrideProperty("crm.poll.interval-ms", Long.toString(interval.toMillis()));
        if (poll) {
            LOG.info("CRM pull is on: polling every {}", interval);
        }
        String mailUrl = settings.get("mail.url");
        boolean mail = !mailUrl.isBlank();
        properties.addOverrideProperty("mail.enabled", Boolean.toString(mail));
        if (mail) {
            MailUrl.check(mailUrl);
            LOG.info("Email source is on: {} folder {}", mailUrl, settings.get("mail.folder"));
        } else {
            // the (stopped) route still needs a well-formed endpoint
            properties.addOverrideProperty("mail.url", "imap://mail.disabled.invalid");
        }
    }
}
