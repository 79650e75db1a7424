package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.windowgate.store.ContactStore.Contact;
import io.windowgate.whatsapp.CustomerIdentity;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ContactStore on a real database: numbers linked to wa_ids and BSUIDs, and BSUID-only messages kept until known. */
abstract class ContactStoreContract extends StoreTestSupport {

    /** Typed with the ninth digit; WhatsApp knows the customer without it. */
    private static final String TYPED = "+5511987654321";
    private static final String WA_ID = "551187654321";
    private static final String BSUID = "BR.13491208655302741918";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ContactStore contacts;

    @BeforeEach
    void contacts() {
        contacts = new ContactStore(database.dataSource(), clock);
    }

    @Test
    void aSendAnswerLinksTheTypedNumberToTheWaIdOnce() throws Exception {
        assertThat(contacts.link(TYPED, WA_ID, null, null, "send-answer")).isTrue();
        assertThat(contacts.link(TYPED, WA_ID, null, null, "send-answer")).as("nothing new").isFalse();

        Contact contact = contacts.find(TYPED);
        assertThat(contact.waId()).isEqualTo(WA_ID);
        assertThat(contact.learnedFrom()).isEqualTo("send-answer");
        assertThat(contact.updatedAt()).isEqualTo(T0);
        assertThat(contacts.phones(WA_ID, null)).containsExactly(TYPED);
        assertThat(contacts.find("+" + WA_ID)).as("found by the wa_id's own number too").isEqualTo(contact);
        assertThat(contacts.find(ALICE)).isNull();
    }

    @Test
    void aWebhookBsuidAppliesToEveryNumberOfTheWaIdAndAnUnknownWaIdIsRecordedUnderItsOwnNumber() throws Exception {
        contacts.link(TYPED, WA_ID, null, null, "send-answer");
        contacts.link("+55 11 8765-4321".replaceAll("[ -]", ""), WA_ID, null, null, "send-answer");
        clock.advance(Duration.ofMinutes(1));

        assertThat(contacts.learn(WA_ID, BSUID, "@ana", "webhook")).isTrue();
        assertThat(contacts.learn(WA_ID, BSUID, "@ana", "webhook")).as("nothing new").isFalse();
        assertThat(contacts.phones(null, BSUID)).containsExactlyInAnyOrder(TYPED, "+551187654321");
        assertThat(contacts.find(TYPED).username()).isEqualTo("@ana");
        assertThat(contacts.find(TYPED).updatedAt()).isEqualTo(T0.plus(Duration.ofMinutes(1)));

        assertThat(contacts.learn("14155550123", "US.777", null, "status")).isTrue();
        assertThat(contacts.find(ALICE).userId()).isEqualTo("US.777");
        assertThat(contacts.phones(null, "US.777")).containsExactly(ALICE);
    }

    @Test
    void aNullBsuidOrUsernameKeepsWhatIsStored() throws Exception {
        contacts.learn(WA_ID, BSUID, "@ana", "webhook");

        assertThat(contacts.link("+" + WA_ID, WA_ID, null, null, "send-answer")).isFalse();

        assertThat(contacts.find("+" + WA_ID).userId()).isEqualTo(BSUID);
        assertThat(contacts.find("+" + WA_ID).username()).isEqualTo("@ana");
    }

    @Test
    void aNumberTypedForAnotherWaIdIsNotTakenOverByAWebhook() throws Exception {
        // +551187654321 typed by a source belongs to a customer WhatsApp knows as 5511987654321
        contacts.link("+551187654321", "5511987654321", null, null, "send-answer");

        assertThat(contacts.learn(WA_ID, BSUID, null, "webhook")).isFalse();

        assertThat(contacts.find("+551187654321").waId()).isEqualTo("5511987654321");
        assertThat(contacts.find("+551187654321").userId()).isNull();
    }

    @Test
    void bsuidOnlyMessagesAreKeptOnceUntilTheirBsuidIsLinked() throws Exception {
        contacts.recordUnmatched("wamid.1", "default", BSUID, null, T0.minusSeconds(60));
        contacts.recordUnmatched("wamid.1", "default", BSUID, null, T0.minusSeconds(60));
        contacts.recordUnmatched("wamid.2", "brand-b", BSUID, null, T0.minusSeconds(30));
        contacts.recordUnmatched("wamid.3", "default", "US.other", null, T0);

        assertThat(contacts.unmatchedCount()).isEqualTo(3);
        assertThat(contacts.unmatched(BSUID)).extracting(ContactStore.UnmatchedInbound::wamid)
                .containsExactly("wamid.1", "wamid.2");
        assertThat(contacts.unmatched(BSUID).get(1).businessNumber()).isEqualTo("brand-b");
        assertThat(contacts.unmatched(BSUID).get(0).messageAt()).isEqualTo(T0.minusSeconds(60));

        contacts.matched("wamid.1");

        assertThat(contacts.unmatched(BSUID)).extracting(ContactStore.UnmatchedInbound::wamid)
                .containsExactly("wamid.2");
        assertThat(contacts.unmatchedCount()).isEqualTo(2);
    }

    private static JsonNode status(String recipientId, String userId) {
        ObjectNode status = JSON.createObjectNode().put("id", "wamid." + recipientId).put("status", "delivered")
                .put("recipient_id", recipientId);
        return userId == null ? status : status.put("recipient_user_id", userId);
    }

    @Test
    void aBatchOfStatusesAsksOnceForItsCustomersAndWritesOnlyWhatIsNew() throws Exception {
        List<JsonNode> statuses = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            String waId = "1415555" + String.format("%04d", i);
            contacts.learn(waId, "US." + i, null, "status");
            // sent, delivered and read of one message each: the same ids three times
            for (int s = 0; s < 3; s++) {
                statuses.add(status(waId, "US." + i));
            }
        }
        statuses.add(status("14155550007", "US.changed"));
        statuses.add(status("14155559999", "US.new"));
        statuses.add(status("14155558888", null));
        CountingDataSource counting = new CountingDataSource(database.dataSource());
        CustomerIdentity identity = new CustomerIdentity(new ContactStore(counting.dataSource(), clock), windows,
                notifications, new SourceStore(database.dataSource(), clock));

        identity.learnFromStatuses(statuses);

        assertThat(counting.statements()).as("one query for the 152 customers named with a BSUID, then only the two "
                + "that teach something (a new BSUID, a new customer), each a few statements").isLessThanOrEqualTo(10);
        assertThat(contacts.find("+14155550007").userId()).isEqualTo("US.changed");
        assertThat(contacts.find("+14155559999").userId()).isEqualTo("US.new");
        assertThat(contacts.find("+14155550008").userId()).isEqualTo("US.8");
        assertThat(contacts.find("+14155558888")).as("a recipient id alone teaches nothing").isNull();

        identity.learnFromStatuses(statuses);
        assertThat(counting.statements()).as("all known now: nothing asked again").isZero();
    }
}
