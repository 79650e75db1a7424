package io.windowgate;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Properties;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.windowgate.cluster.ClusterLock;
import io.windowgate.cluster.RateShare;
import io.windowgate.crm.CrmPoller;
import io.windowgate.crm.CrmPushApi;
import io.windowgate.csv.CsvDropReader;
import io.windowgate.mail.MailIntake;
import io.windowgate.notification.DispatchPolicy;
import io.windowgate.notification.NotificationIntake;
import io.windowgate.notification.NotificationJson;
import io.windowgate.notification.NotificationValidator;
import io.windowgate.notification.SessionWindowPolicy;
import io.windowgate.ops.DatabaseHealthCheck;
import io.windowgate.ops.ExpirySweep;
import io.windowgate.ops.FileProgressView;
import io.windowgate.ops.OperationsApi;
import io.windowgate.ops.PolicyApi;
import io.windowgate.ops.SendingHealthCheck;
import io.windowgate.outbox.Outbox;
import io.windowgate.ops.ResponseHeaderFilter;
import io.windowgate.ops.StatusView;
import io.windowgate.sandbox.SandboxProvider;
import io.windowgate.store.DropFileStore;
import io.windowgate.store.ClusterLockStore;
import io.windowgate.store.ConsentStore;
import io.windowgate.store.CostLedgerStore;
import io.windowgate.store.NotificationStore;
import io.windowgate.store.TemplateStore;
import io.windowgate.template.PolicyEvents;
import io.windowgate.template.TemplateLoader;
import io.windowgate.template.TemplatePolicy;
import io.windowgate.template.UsageLedger;
import io.windowgate.store.SendingStateStore;
import io.windowgate.store.SessionWindowStore;
import io.windowgate.store.SourceStore;
import io.windowgate.store.StatementPins;
import io.windowgate.whatsapp.CloudApiPayloads;
import io.windowgate.whatsapp.DeliveryRecorder;
import io.windowgate.whatsapp.ProviderErrors;
import io.windowgate.whatsapp.SendGate;
import io.windowgate.whatsapp.WebhookEvents;
import io.windowgate.whatsapp.WebhookSignature;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.LifecycleStrategySupport;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires Windowgate's beans in one place, in dependency order, before the YAML routes load: the pooled DataSource, the
 * schema migration, the stores and policies the routes call, and the provider mode (Cloud API or built-in sandbox).
 */
@Configuration
public class AppConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(AppConfiguration.class);
    /** The sandbox's send endpoint, served by routes/sandbox-messages.camel.yaml. */
    static final String SANDBOX_MESSAGES_PATH = "/sandbox/v22.0/messages";
    /** The CRM push token of sandbox mode when none is configured (documented in the README; never in Cloud API mode). */
    static final String SANDBOX_CRM_TOKEN = "sandbox";
    /** The operations API token of sandbox mode when none is configured (documented in the README; never in Cloud API mode). */
    static final String SANDBOX_ADMIN_TOKEN = "sandbox";

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings settings = new Settings(context);
        // Vert.x only logs a WARN when it cannot bind and Camel would run on, healthy but unreachable: fail instead
        requireFreePort(settings, "camel.server.host", "camel.server.port");
        requireFreePort(settings, "camel.server.host", "camel.management.port");
        boolean sandbox = configureProvider(context, settings);
        configureSources(context, settings);

        Clock clock = Clock.systemUTC();
        HikariDataSource pool = dataSource(settings);
        String vendor = vendor(settings.get("db.url"));
        migrate(pool, vendor);
        bind(context, "quartzProperties", quartzProperties(settings, pool, vendor));
        // the stores' DataSource: on HSQLDB it keeps their compiled statements (StatementPins)
        javax.sql.DataSource dataSource = vendor.equals("hsqldb") ? new StatementPins(pool) : pool;

        SessionWindowPolicy windowPolicy = new SessionWindowPolicy(clock, settings.getInt("window.hours"),
                settings.getDuration("window.safety-margin"));
        NotificationStore notifications = new NotificationStore(dataSource, clock);
        SessionWindowStore windows = new SessionWindowStore(dataSource, clock);
        ProviderErrors providerErrors = new ProviderErrors(clock);
        Outbox outbox = new Outbox(notifications, clock, outboxLease(settings), settings.getInt("outbox.batch-size"),
                longestSend(settings));
        SendGate gate = new SendGate(new SendingStateStore(dataSource, clock), clock, System::nanoTime,
                settings.getDouble("whatsapp.max-messages-per-second"), settings.getDuration("whatsapp.pair.interval"),
                settings.getInt("whatsapp.pair.burst"), Duration.ofSeconds(2));
        TemplateStore templates = new TemplateStore(dataSource, clock);
        ConsentStore consents = new ConsentStore(dataSource, clock);
        TemplateLoader templateLoader = new TemplateLoader(templates);
        loadTemplates(templateLoader, settings.get("templates.file"));
        UsageLedger usage = new UsageLedger(new CostLedgerStore(dataSource, clock), windowPolicy,
                () -> context.getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class));
        bind(context, "usageLedger", usage);
        PolicyEvents policyEvents = new PolicyEvents(templates, consents, notifications,
                settings.get("marketing.stop-keywords"), settings.get("marketing.resume-keywords"), clock);
        DeliveryRecorder delivery = new DeliveryRecorder(notifications, windows, policyEvents, providerErrors, gate,
                new DeliveryRecorder.RetryPolicy(settings.getInt("whatsapp.retry.max-redeliveries"),
                        Duration.ofMillis(settings.getLong("whatsapp.retry.initial-delay-ms")),
                        Duration.ofMillis(settings.getLong("whatsapp.retry.max-delay-ms")),
                        settings.getDuration("whatsapp.unknown-outcome-wait"),
                        settings.getDuration("whatsapp.pause.duration")), usage, clock);

        bind(context, "dataSource", dataSource);
        bind(context, "clock", clock);
        bind(context, "databaseHealthCheck", new DatabaseHealthCheck(dataSource));
        bind(context, "sendingHealthCheck", new SendingHealthCheck(gate));
        bind(context, "outbox", outbox);
        // on stop (the routes have finished or given up their in-flight work): hand this node's unsent claims back at
        // once, then close the pool (camel-main does not close registry beans; this also shuts an embedded HSQLDB)
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopped(CamelContext stopped) {
                try {
                    int released = notifications.releaseClaims(outbox.owner());
                    if (released > 0) {
                        LOG.info("Stopping: {} claimed notifications handed back to the outbox", released);
                    }
                } catch (java.sql.SQLException | RuntimeException e) {
                    LOG.warn("Stopping: could not hand the claims back ({}); they are taken over when their lease ends",
                            e.getMessage());
                } finally {
                    pool.close();
                }
            }
        });
        // several nodes on one database: each dropped file and each mail is processed by one node
        ClusterLockStore lockStore = new ClusterLockStore(dataSource, clock);
        Duration lockMaxAge = settings.getDuration("cluster.lock-max-age");
        for (String source : new String[] {"drop-file", "mail"}) {
            ClusterLock lock = new ClusterLock(lockStore, source, outbox.owner(), lockMaxAge, clock);
            context.addService(lock, true, true);
            bind(context, source.equals("mail") ? "mailLock" : "dropFileLock", lock);
        }
        // several nodes send for one number: each keeps its share of whatsapp.max-messages-per-second
        context.addService(new RateShare(lockStore, gate, outbox.owner(), lockMaxAge, clock), true, true);
        bind(context, "sendGate", gate);
        // the threads of outbox-dispatch's parallel split: dispatch.concurrency sends at a time
        bind(context, "outboxSenders", context.getExecutorServiceManager().newFixedThreadPool(this, "outbox-sender",
                dispatchConcurrency(settings)));
        bind(context, "responseHeaderFilter", new ResponseHeaderFilter());
        bind(context, "sessionWindowStore", windows);
        bind(context, "notificationStore", notifications);
        NotificationValidator validator = new NotificationValidator(settings.get("default-region"));
        bind(context, "policyApi", new PolicyApi(templates, templateLoader, consents, validator, clock));
        NotificationIntake intake = new NotificationIntake(validator,
                notifications, outbox, consents, clock);
        bind(context, "notificationIntake", intake);
        bind(context, "dispatchPolicy", new DispatchPolicy(windowPolicy, settings.get("window.closed-without-template")));
        bind(context, "cloudApiPayloads", new CloudApiPayloads());
        bind(context, "templateStore", templates);
        bind(context, "consentStore", consents);
        bind(context, "templateLoader", templateLoader);
        bind(context, "templatePolicy", new TemplatePolicy(templates, consents, settings.get("templates.unknown"),
                Boolean.parseBoolean(settings.get("optin.required")),
                Boolean.parseBoolean(settings.get("marketing.block-us"))));
        bind(context, "providerErrors", providerErrors);
        bind(context, "deliveryRecorder", delivery);
        bind(context, "webhookSignature", new WebhookSignature(settings.get("whatsapp.app-secret"),
                settings.get("whatsapp.webhook.verify-token")));
        bind(context, "webhookEvents", new WebhookEvents(windows, notifications, delivery, policyEvents, usage, clock));
        DropFileStore dropFiles = new DropFileStore(dataSource, clock);
        bind(context, "dropFileStore", dropFiles);
        bind(context, "csvDropReader", new CsvDropReader(settings.get("drop.dir"), dropFiles, clock,
                settings.getDuration("drop.progress-interval")));
        bind(context, "fileProgressView", new FileProgressView(dropFiles, clock));
        SourceStore sources = new SourceStore(dataSource, clock);
        bind(context, "sourceStore", sources);
        NotificationJson notificationJson = new NotificationJson();
        bind(context, "crmPushApi", new CrmPushApi(settings.get("crm.api-token"), settings.getInt("crm.max-batch"),
                settings.getLong("crm.max-body-bytes"), notificationJson, intake));
        bind(context, "crmPoller", new CrmPoller(settings.get("crm.poll.url"), settings.get("crm.poll.cursor-param"),
                settings.get("crm.poll.auth-header"), settings.get("crm.poll.auth-value"),
                settings.getInterval("crm.poll.interval"), settings.getInterval("crm.poll.max-backoff"),
                settings.getInt("crm.poll.max-pages"), sources, notificationJson, intake, clock));
        MailIntake mailIntake = new MailIntake(settings.get("mail.allowed-senders"), settings.get("drop.dir"),
                notificationJson, sources);
        if (Boolean.parseBoolean(settings.get("mail.enabled")) && !mailIntake.hasAllowedSenders()) {
            LOG.warn("mail.allowed-senders is empty: every mail will be refused. List the addresses (or @domains) "
                    + "allowed to send notifications by mail.");
        }
        bind(context, "mailIntake", mailIntake);
        bind(context, "expirySweep", new ExpirySweep(windows, notifications, windowPolicy,
                settings.getDuration("hold.max-age"), clock));
        StatusView statusView = new StatusView(notifications);
        bind(context, "statusView", statusView);
        bind(context, "operationsApi", new OperationsApi(settings.get("admin.api-token"), notifications, statusView,
                gate, clock));
        // bound in both modes so the (then stopped) sandbox routes can be created
        bind(context, "sandboxProvider", new SandboxProvider(clock, settings.get("whatsapp.app-secret")));
    }

    /**
     * Decides between the Cloud API and the built-in sandbox. Without an access token every send goes to the sandbox
     * served on this instance, and a random app secret signs its webhooks unless one is configured. With a token, the
     * app secret and a real endpoint are required: refuse to start rather than run half-configured.
     *
     * @return true in sandbox mode
     */
    private static boolean configureProvider(CamelContext context, Settings settings) {
        PropertiesComponent properties = context.getPropertiesComponent();
        Properties overrides = new Properties();
        boolean sandbox = settings.get("whatsapp.access-token").isBlank();
        String local = "http://localhost:" + settings.get("camel.server.port");
        overrides.setProperty("sandbox.enabled", Boolean.toString(sandbox));
        if (settings.get("sandbox.webhook-url").isBlank()) {
            overrides.setProperty("sandbox.webhook-url", local + "/webhooks/whatsapp");
        }
        if (sandbox) {
            overrides.setProperty("whatsapp.session.url", local + SANDBOX_MESSAGES_PATH);
            overrides.setProperty("whatsapp.template.url", local + SANDBOX_MESSAGES_PATH);
            if (settings.get("whatsapp.app-secret").isBlank()) {
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                overrides.setProperty("whatsapp.app-secret", HexFormat.of().formatHex(secret));
            }
            // the sandbox sends no real token; a visible placeholder keeps the Authorization header well-formed
            overrides.setProperty("whatsapp.access-token", "sandbox");
            if (settings.get("crm.api-token").isBlank()) {
                // lets a new user try CRM push at once; nothing reaches WhatsApp in sandbox mode anyway
                overrides.setProperty("crm.api-token", SANDBOX_CRM_TOKEN);
                LOG.warn("SANDBOX MODE: crm.api-token is empty, so CRM push accepts the demo token '{}'. Set "
                        + "CRM_API_TOKEN before connecting a real CRM.", SANDBOX_CRM_TOKEN);
            }
            if (settings.get("admin.api-token").isBlank()) {
                overrides.setProperty("admin.api-token", SANDBOX_ADMIN_TOKEN);
                LOG.warn("SANDBOX MODE: admin.api-token is empty, so the operations API accepts the demo token '{}'. "
                        + "Set ADMIN_API_TOKEN before going live.", SANDBOX_ADMIN_TOKEN);
            }
            LOG.warn("SANDBOX MODE: whatsapp.access-token is empty, so messages go to the built-in sandbox provider at {}"
                    + " and nothing reaches WhatsApp. Simulate a customer writing in with: curl -X POST -d 'hello' "
                    + "{}/sandbox/customers/<phone>/messages", local + SANDBOX_MESSAGES_PATH, local);
        } else {
            if (settings.get("whatsapp.app-secret").isBlank()) {
                throw new IllegalStateException("whatsapp.app-secret is empty: with an access token set, webhooks must "
                        + "be verified. Set WHATSAPP_APP_SECRET to the App Secret of your Meta app.");
            }
            for (String key : new String[] {"whatsapp.session.url", "whatsapp.template.url"}) {
                String url = settings.get(key);
                if (url.contains("//messages") || !url.matches("https?://.+")) {
                    throw new IllegalStateException(key + " is '" + url + "': set whatsapp.phone-number-id (the id of "
                            + "your business number) or set " + key + " to the full messages endpoint URL.");
                }
            }
        }
        overrides.forEach((key, value) -> properties.addOverrideProperty((String) key, (String) value));
        return sandbox;
    }

    /**
     * Switches the optional sources on or off: CRM pull when crm.poll.url is set, email when mail.url is set. Their
     * routes always exist (stopped when off), so their endpoints get harmless stand-in values when off.
     */
    private static void configureSources(CamelContext context, Settings settings) {
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
            if (!mailUrl.matches("imaps?://.+")) {
                throw new IllegalStateException("mail.url must be an imap:// or imaps:// URL such as "
                        + "imaps://imap.example.com:993, was '" + mailUrl + "'");
            }
            LOG.info("Email source is on: {} folder {}", mailUrl, settings.get("mail.folder"));
        } else {
            // the (stopped) route still needs a well-formed endpoint
            properties.addOverrideProperty("mail.url", "imap://mail.disabled.invalid");
        }
    }

    /** Loads templates.file into the registry at start; a file that cannot be used stops the start with the reason. */
    private static void loadTemplates(TemplateLoader loader, String file) throws Exception {
        if (file.isBlank()) {
            return;
        }
        int loaded = loader.loadFile(java.nio.file.Path.of(file));
        LOG.info("Loaded {} templates from {}", loaded, file);
    }

    /**
     * How long an outbox claim lasts: longer than the longest send (connect and response timeouts plus the send gate's
     * wait), or another claimer could take over a send still in progress and repeat it.
     */
    private static Duration outboxLease(Settings settings) {
        Duration lease = settings.getDuration("outbox.lease");
        Duration longestSend = longestSend(settings);
        if (lease.compareTo(longestSend) <= 0) {
            throw new IllegalStateException("outbox.lease (" + lease + ") must be longer than the longest send, "
                    + longestSend + " (whatsapp.connect-timeout-ms + whatsapp.response-timeout-ms + 2 s): raise it");
        }
        return lease;
    }

    /**
     * dispatch.concurrency, the senders' threads: each provider call holds one of the HTTP client's connections to the
     * provider's host, so the pool must have room for all of them (otherwise senders would wait for each other). Warns
     * when a CSV chunk or an outbox batch gives each sender fewer than 16: its last round of sends then leaves most
     * senders idle (32 senders, a provider answering in 200 ms: 0.76 of a bare client with 100-row chunks, 0.95 with
     * 500).
     */
    static int dispatchConcurrency(Settings settings) {
        int senders = settings.getInt("dispatch.concurrency");
        if (senders < 1) {
            throw new IllegalStateException("dispatch.concurrency must be at least 1, was " + senders);
        }
        for (String component : new String[] {"http", "https"}) {
            String key = "camel.component." + component + ".connections-per-route";
            int connections = settings.getInt(key);
            if (senders > connections) {
                throw new IllegalStateException("dispatch.concurrency (" + senders + ") is more than " + key + " ("
                        + connections + "), the HTTP connections to one host: raise " + key + " to at least "
                        + senders);
            }
        }
        for (String key : new String[] {"drop.batch-size", "outbox.batch-size"}) {
            int batch = settings.getInt(key);
            if (batch < 16 * senders) {
                LOG.warn("{} ({}) is less than 16 per sender (dispatch.concurrency {}): the last sends of each batch "
                        + "leave most senders idle, which costs throughput when the provider is slow to answer; set "
                        + "{} to {} or more", key, batch, senders, key, 16 * senders);
            }
        }
        return senders;
    }

    /** The longest one send can take: connect and response timeouts, plus 2 s for the send gate's wait. */
    private static Duration longestSend(Settings settings) {
        return Duration.ofMillis(settings.getLong("whatsapp.connect-timeout-ms")
                + settings.getLong("whatsapp.response-timeout-ms")).plusSeconds(2);
    }

    private static void requireFreePort(Settings settings, String hostKey, String portKey) {
        int port = settings.getInt(portKey);
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(settings.get(hostKey), port));
        } catch (IOException e) {
            throw new IllegalStateException(portKey + " " + port + " cannot be bound (" + e.getMessage()
                    + "): another process uses it; stop it or set " + portKey + " (or its environment variable "
                    + portKey.toUpperCase(java.util.Locale.ROOT).replace('.', '_') + ") to a free port");
        }
    }

    private static HikariDataSource dataSource(Settings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("windowgate-db");
        config.setJdbcUrl(settings.get("db.url"));
        config.setUsername(settings.get("db.username"));
        config.setPassword(settings.get("db.password"));
        config.setMaximumPoolSize(settings.getInt("db.pool-size"));
        return new HikariDataSource(config);
    }

    /** The database: "postgresql" or "hsqldb", the name of its migration folder. */
    private static String vendor(String url) {
        return url.startsWith("jdbc:postgresql:") ? "postgresql" : "hsqldb";
    }

    /**
     * Quartz in clustered JDBC job-store mode on Windowgate's own pool (camel.component.quartz.properties-ref): every
     * node that shares the database shares the triggers, each tick fires on one node, and a node that stops checking
     * in is taken over by the others after scheduler.cluster-checkin-ms. With one node this changes nothing but that
     * the triggers survive a restart.
     */
    private static java.util.Map<String, String> quartzProperties(Settings settings, HikariDataSource dataSource,
            String vendor) {
        // Quartz looks its connections up by name in a JVM-wide registry: one name per Camel context
        String name = "windowgate-" + Integer.toHexString(System.identityHashCode(dataSource));
        org.quartz.utils.DBConnectionManager.getInstance().addConnectionProvider(name,
                new org.quartz.utils.ConnectionProvider() {
                    @Override
                    public java.sql.Connection getConnection() throws java.sql.SQLException {
                        return dataSource.getConnection();
                    }

                    @Override
                    public void shutdown() {
                        // the pool is Windowgate's: closed when the Camel context stops
                    }

                    @Override
                    public void initialize() {
                        // nothing to set up
                    }
                });
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
        // the same scheduler name on every node: it is the cluster's name in the QRTZ_ tables
        p.put("org.quartz.scheduler.instanceName", settings.get("camel.main.name"));
        p.put("org.quartz.scheduler.instanceId", schedulerInstanceId());
        p.put("org.quartz.scheduler.skipUpdateCheck", "true");
        // how long an idle scheduler waits before it looks for due triggers again (the default 30 s delays a take-over)
        p.put("org.quartz.scheduler.idleWaitTime", "5000");
        p.put("org.quartz.threadPool.threadCount", "3");
        p.put("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.put("org.quartz.jobStore.driverDelegateClass", "postgresql".equals(vendor)
                ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate" : "org.quartz.impl.jdbcjobstore.HSQLDBDelegate");
        p.put("org.quartz.jobStore.dataSource", name);
        p.put("org.quartz.jobStore.isClustered", "true");
        p.put("org.quartz.jobStore.clusterCheckinInterval", Long.toString(settings.getLong("scheduler.cluster-checkin-ms")));
        p.put("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        return p;
    }

    /**
     * This node's id among the schedulers sharing the QRTZ_ tables: host name and a random suffix, unique per start.
     * Not Quartz's own "AUTO": that fails the start ("Cannot run without an instance id") where the host name does not
     * resolve, as in a container build step.
     */
    static String schedulerInstanceId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = java.util.Objects.requireNonNullElse(System.getenv("HOSTNAME"), "node");
        }
        return host + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    private static void migrate(HikariDataSource dataSource, String vendor) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/common", "classpath:db/migration/" + vendor)
                .failOnMissingLocations(false)
                .load()
                .migrate();
    }

    private static void bind(CamelContext context, String name, Object bean) {
        context.getRegistry().bind(name, bean);
    }

    /** Reads configuration through Camel's properties component: application.properties, -D and environment. */
    static final class Settings {
        private final CamelContext context;

        Settings(CamelContext context) {
            this.context = context;
        }

        String get(String key) {
            return context.resolvePropertyPlaceholders("{{" + key + "}}").trim();
        }

        long getLong(String key) {
            String value = get(key);
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalStateException(key + " must be a whole number, was '" + value + "'");
            }
        }

        int getInt(String key) {
            long value = getLong(key);
            if (value != (int) value) {
                throw new IllegalStateException(key + " must be a whole number up to " + Integer.MAX_VALUE
                        + ", was '" + value + "'");
            }
            return (int) value;
        }

        /** A period written as an ISO-8601 duration (PT30S) or in Camel's short form (30s, 5m, 1h30m, or millis). */
        Duration getInterval(String key) {
            String value = get(key);
            try {
                Duration interval = value.startsWith("P") || value.startsWith("p") ? Duration.parse(value)
                        : Duration.ofMillis(org.apache.camel.util.TimeUtils.toMilliSeconds(value));
                if (interval.isNegative() || interval.isZero()) {
                    throw new IllegalArgumentException("not positive");
                }
                return interval;
            } catch (RuntimeException e) {
                throw new IllegalStateException(key + " must be a positive period such as 30s, 5m or PT30S, was '"
                        + value + "'");
            }
        }

        double getDouble(String key) {
            String value = get(key);
            try {
                double number = Double.parseDouble(value);
                if (number > 0 && Double.isFinite(number)) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalStateException(key + " must be a positive number, was '" + value + "'");
        }

        Duration getDuration(String key) {
            String value = get(key);
            try {
                return Duration.parse(value);
            } catch (RuntimeException e) {
                throw new IllegalStateException(key + " must be an ISO-8601 duration such as PT5M or P7D, was '"
                        + value + "'");
            }
        }
    }
}
