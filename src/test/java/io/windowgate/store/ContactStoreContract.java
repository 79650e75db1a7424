package io.windowgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.windowgate.store.ContactStore.Contact;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ContactStore on a real database: numbers linked to wa_ids and BSUIDs, and BSUID-only messages kept until known. */
abstract class ContactStoreContract extends StoreTestSupport {

    /** Typed with the ninth digit; WhatsApp knows the customer without it. */
    private static final String TYPED = "+5511987654321";
    private static final String WA_ID = "551187654321";
    private static final String BSUID = "BR.13491208655302741918";

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
}
