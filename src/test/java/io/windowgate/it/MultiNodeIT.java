package io.windowgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Flags;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out on the packaged jar: two nodes, each its own JVM and pool, share one embedded PostgreSQL and one
 * drop folder. Files are dropped into the shared folder and CRM batches pushed at both nodes; node A is killed with
 * SIGKILL in the middle of it. Both nodes also read one IMAP mailbox (GreenMail), which holds mails with JSON
 * notifications. Then:
 * <ul>
 *   <li>every notification reached the stand-in; the only repeats are A's sends in flight at the kill (at most
 *       {@code dispatch.concurrency} outbox senders, the CSV reader and the mail reader), so nothing was sent by both
 *       nodes while both ran;</li>
 *   <li>each file was read by one node, except the one A was reading at the kill, which B took over once A's lock
 *       went stale; the same for each mail, and every mail ends flagged as seen;</li>
 *   <li>the expiry sweep (every 2 s) ran once per tick across both nodes, and on B alone after the kill;</li>
 *   <li>the two nodes shared the number's send rate, and B took all of it once A's heartbeat went stale;</li>
 *   <li>B finished all the work: none stays QUEUED.</li>
 * </ul>
 */
@Timeout(300)
class MultiNodeIT {

    static final int CONCURRENCY = 4;
    static final int FILES = 4;
    static final int ROWS_PER_FILE = 600;
    static final int CRM_BATCH = 400;
    /** SendGate.shareWith's log line for n nodes. */
    static final String RATE_SHARE = "%d node(s) share whatsapp.max-messages-per-second";
    static final int MAILS = 30;
    static final int NOTIFICATIONS_PER_MAIL = 5;
    static final String MAILBOX = "windowgate@acme.example";
    static final String MAIL_SENDER = "crm@acme.example";
    /** "Mail <m3@acme.example> from crm@acme.example: 5 notification(s) in its JSON body" (MailIntake.read). */
    static final Pattern MAIL_READ = Pattern.compile("Mail (<\\S+>) from \\S+: \\d+ notification");
    static final String API_TOKEN = "it-api-token";
    /** "Processing csv file a.csv: 600 rows" (CsvDropReader.open). */
    static final Pattern FILE_OPENED = Pattern.compile("Processing \\S+ file (\\S+): \\d+ rows");
    /** "Expiry sweep for the tick of <scheduledFireTime>" (routes/session-window-expiry.camel.yaml). */
    static final Pattern SWEEP_TICK = Pattern.compile("Expiry sweep for the tick of (.+)$", Pattern.MULTILINE);

    @TempDir
    Path data;

    EmbeddedPostgres postgres;
    ProviderStandIn provider;
    GreenMail mailServer;
    GreenMailUser mailbox;
    final List<WindowgateProcess> nodes = new ArrayList<>();

    @RegisterExtension
    final TestWatcher printLogsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            for (WindowgateProcess node : nodes) {
                System.out.println("----- last 80 lines of " + node.log() + "\n" + node.logTail(80) + "\n-----");
            }
        }
    };

    @AfterEach
    void tearDown() throws Exception {
        for (WindowgateProcess node : nodes) {
            node.stop();
        }
        if (provider != null) {
            provider.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (mailServer != null) {
            mailServer.stop();
        }
    }

    @Test
    void twoNodesShareTheWorkAndTheSurvivorFinishesWhatTheKilledOneLeft() throws Exception {
        postgres = EmbeddedPostgres.start();
        provider = new ProviderStandIn(4, 2);
        mailServer = new GreenMail(ServerSetupTest.IMAP.dynamicPort());
        mailServer.start();
        mailbox = mailServer.setUser(MAILBOX, "windowgate", "mail-secret");
        Path shared = data.resolve("shared-inbox");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        WindowgateProcess a = node("a", shared, stamp);
        WindowgateProcess b = node("b", shared, stamp);
        a.start();
        b.start();
        a.waitHealthy(Duration.ofSeconds(90));
        b.waitHealthy(Duration.ofSeconds(90));
        WindowgateApi apiA = api(a);
        WindowgateApi apiB = api(b);

        Set<String> expected = new LinkedHashSet<>();
        for (int f = 0; f < FILES; f++) {
            String prefix = "file" + f + "-";
            WindowgateApi.publish(WindowgateApi.stage(shared, "bulk-" + f + ".csv",
                    WindowgateApi.templateCsv(prefix, 0, ROWS_PER_FILE)));
            for (int i = 0; i < ROWS_PER_FILE; i++) {
                expected.add(prefix + i);
            }
        }
        expected.addAll(push(apiA, "crm-a-"));
        expected.addAll(push(apiB, "crm-b-"));
        for (int m = 0; m < MAILS; m++) {
            expected.addAll(deliverMail(m));
        }

        // kill A while both nodes are busy: a third of the work sent, and A has read at least one file
        await("a third sent, and node A reading a file").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> provider.distinctIds() >= expected.size() / 3 && !filesOpened(a).isEmpty());
        a.kill();
        // (B keeps sending, so the stand-in never goes quiet: the repeats are judged on the totals at the end)
        Map<String, Integer> atKill = provider.snapshot();
        List<String> sweepsBeforeKill = sweepTicks(b);
        System.out.printf("kill -9 of node A after %d distinct ids (%d POSTs); files read by A %s, by B %s%n",
                atKill.size(), provider.total(), filesOpened(a), filesOpened(b));

        // B takes over A's claims (lease 5 s) and A's file (lock 3 s), and finishes; B also accepts new work
        expected.addAll(push(apiB, "crm-late-"));
        await("every notification sent and none QUEUED").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
                    List<String> unsent = expected.stream().filter(id -> provider.sendsOf(id) == 0).toList();
                    assertThat(unsent.stream().limit(20).toList()).as("not sent yet (%d)", unsent.size()).isEmpty();
                    assertThat(apiB.list("QUEUED", 100)).as("QUEUED notifications").isEmpty();
                });
        // the number's send rate: shared by two nodes while both ran, B's alone once A's heartbeat went stale
        await("node B takes the whole send rate").atMost(Duration.ofSeconds(30))
                .until(() -> b.logTail(1_000_000).contains(RATE_SHARE.formatted(1)));
        assertThat(a.logTail(1_000_000)).as("A counted B").contains(RATE_SHARE.formatted(2));
        assertThat(b.logTail(1_000_000)).as("B counted A").contains(RATE_SHARE.formatted(2));
        // and the sweep keeps ticking on B alone
        await("three sweeps on node B after the kill").atMost(Duration.ofSeconds(30))
                .until(() -> sweepTicks(b).size() >= sweepsBeforeKill.size() + 3);

        Map<String, Integer> end = provider.snapshot();
        Map<String, Integer> sentTwice = new TreeMap<>();
        end.forEach((id, n) -> {
            if (n > 1) {
                sentTwice.put(id, n);
            }
        });
        Set<String> unexpected = new HashSet<>(end.keySet());
        unexpected.removeAll(expected);
        await("every mail flagged as seen").atMost(Duration.ofSeconds(30))
                .until(() -> {
                    var inbox = mailServer.getManagers().getImapHostManager().getInbox(mailbox).getMessages();
                    return inbox.size() == MAILS && inbox.stream().allMatch(message -> message.isSet(Flags.Flag.SEEN));
                });
        List<String> readByA = filesOpened(a);
        List<String> readByB = filesOpened(b);
        List<String> mailsOfA = matches(MAIL_READ, a);
        List<String> mailsOfB = matches(MAIL_READ, b);
        List<String> ticksA = sweepTicks(a);
        List<String> ticksB = sweepTicks(b);
        List<String> allTicks = new ArrayList<>(ticksA);
        allTicks.addAll(ticksB);
        System.out.printf("%nMultiNodeIT figures: %d notifications (%d files of %d rows, CRM pushes at both nodes, mails), "
                        + "dispatch.concurrency=%d%n  %d POSTs for %d ids; ids sent more than once %s (limit %d)%n  files read by A %s, by B %s%n  mails read by A %d, by B %d%n  sweep ticks: A %d, B %d, "
                        + "distinct %d%n", expected.size(), FILES, ROWS_PER_FILE, CONCURRENCY, provider.total(),
                end.size(), sentTwice, CONCURRENCY + 2, readByA, readByB, mailsOfA.size(), mailsOfB.size(),
                ticksA.size(),
                ticksB.size(), new HashSet<>(allTicks).size());

        assertThat(unexpected).as("ids nobody submitted").isEmpty();
        assertThat(expected).as("every notification sent").allMatch(id -> end.getOrDefault(id, 0) >= 1);
        assertThat(sentTwice).as("repeats: only A's sends in flight at the kill (dispatch.concurrency + the CSV reader "
                + "+ the mail reader)").hasSizeLessThanOrEqualTo(CONCURRENCY + 2);
        assertThat(sentTwice.values()).as("at most one repeat").allMatch(n -> n == 2);

        Set<String> readTwice = new HashSet<>(readByA);
        readTwice.retainAll(readByB);
        assertThat(readByA).as("A reads each file once").doesNotHaveDuplicates();
        assertThat(readByB).as("B reads each file once").doesNotHaveDuplicates();
        assertThat(readTwice).as("read by both: only what A was reading at the kill").hasSizeLessThanOrEqualTo(1);
        Set<String> readByEither = new HashSet<>(readByA);
        readByEither.addAll(readByB);
        assertThat(readByEither).as("every file read").hasSize(FILES);
        for (String file : readTwice) {
            assertThat(b.logTail(1_000_000)).as("B logs the take-over of " + file)
                    .contains("Taking over drop-file '" + file + "'");
        }

        Set<String> mailsReadTwice = new HashSet<>(mailsOfA);
        mailsReadTwice.retainAll(mailsOfB);
        assertThat(mailsOfA).as("A reads each mail once").doesNotHaveDuplicates();
        assertThat(mailsOfB).as("B reads each mail once").doesNotHaveDuplicates();
        assertThat(mailsReadTwice).as("mails read by both: only what A was reading at the kill")
                .hasSizeLessThanOrEqualTo(1);
        Set<String> mailsRead = new HashSet<>(mailsOfA);
        mailsRead.addAll(mailsOfB);
        assertThat(mailsRead).as("every mail read").hasSize(MAILS);
        if (!mailsReadTwice.isEmpty()) {
            assertThat(b.logTail(1_000_000)).as("B logs the take-over of a mail").contains("Taking over mail '");
        }

        assertThat(allTicks).as("each expiry tick ran on one node only").doesNotHaveDuplicates();
    }

    /** Delivers mail {@code m}: a JSON body of NOTIFICATIONS_PER_MAIL template notifications; returns their ids. */
    private List<String> deliverMail(int m) throws Exception {
        String prefix = "mail" + m + "-";
        MimeMessage message = new MimeMessage(Session.getInstance(new java.util.Properties())) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<m" + m + "@acme.example>");
            }
        };
        message.setFrom(new InternetAddress(MAIL_SENDER));
        message.setRecipient(jakarta.mail.Message.RecipientType.TO, new InternetAddress(MAILBOX));
        message.setSubject("notifications " + m, "UTF-8");
        message.setText(WindowgateApi.templateItems(prefix, 0, NOTIFICATIONS_PER_MAIL).toString(), "UTF-8");
        message.saveChanges();
        mailbox.deliver(message);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < NOTIFICATIONS_PER_MAIL; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    private WindowgateProcess node(String name, Path shared, String stamp) throws IOException {
        Map<String, String> config = WindowgateProcess.cloudApiProperties(data.resolve(name), provider.messagesUrl(),
                API_TOKEN);
        config.put("db.url", "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres");
        config.put("db.username", "postgres");
        config.put("db.password", "");
        config.put("drop.dir", shared.toAbsolutePath().toString());
        config.put("dispatch.concurrency", Integer.toString(CONCURRENCY));
        config.put("outbox.poll-interval-ms", "100");
        config.put("outbox.lease", "PT5S");
        config.put("whatsapp.response-timeout-ms", "1500");
        config.put("cluster.lock-max-age", "PT3S");
        config.put("scheduler.cluster-checkin-ms", "1000");
        config.put("expiry.cron", "0/2 * * * * ?");
        config.put("mail.url", "imap://127.0.0.1:" + mailServer.getImap().getPort());
        config.put("mail.username", "windowgate");
        config.put("mail.password", "mail-secret");
        config.put("mail.allowed-senders", MAIL_SENDER);
        config.put("mail.poll-interval-ms", "300");
        config.put("mail.max-per-poll", "3");
        Path log = Path.of("target", "it-logs", "MultiNodeIT-" + stamp + "-node-" + name + ".log");
        WindowgateProcess node = new WindowgateProcess(WindowgateProcess.defaultJar(), data.resolve(name), log, config,
                List.of());
        nodes.add(node);
        return node;
    }

    private static WindowgateApi api(WindowgateProcess node) {
        return new WindowgateApi(Integer.parseInt(node.property("camel.server.port")), API_TOKEN);
    }

    /** Pushes CRM_BATCH items with ids {@code prefix + i}; all must be accepted. */
    private static List<String> push(WindowgateApi api, String prefix) throws Exception {
        JsonNode answer = api.push(WindowgateApi.templateItems(prefix, 0, CRM_BATCH));
        List<String> accepted = WindowgateApi.accepted(answer);
        assertThat(accepted).as("CRM batch %s accepted", prefix).hasSize(CRM_BATCH);
        return accepted;
    }

    private static List<String> filesOpened(WindowgateProcess node) {
        return matches(FILE_OPENED, node);
    }

    private static List<String> sweepTicks(WindowgateProcess node) {
        return matches(SWEEP_TICK, node);
    }

    private static List<String> matches(Pattern pattern, WindowgateProcess node) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(node.logTail(1_000_000));
        while (m.find()) {
            found.add(m.group(1).trim());
        }
        return found;
    }
}
