-- Customer identity: WhatsApp names a customer by its wa_id (digits, which may differ from the number a source typed:
-- Brazilian mobiles with and without the ninth digit) and, since 2026, by a business-scoped user id (BSUID) that
-- webhooks may carry without any phone number. Windows and notifications stay keyed by the E.164 number the sources
-- use (sends need it: authentication templates cannot go to a BSUID); this table links each such number to what
-- WhatsApp calls the same customer, so an inbound message, status or preference finds every number it belongs to.
--
-- One row per number: the number a notification was sent to, linked to the wa_id the send answer gave; or '+<wa_id>'
-- for a customer known only from webhooks. Several numbers may share one wa_id. BSUIDs are scoped to the business
-- portfolio, not to one phone number, so a row is shared by all the business numbers of this installation.
CREATE TABLE contact (
    phone        VARCHAR(20)              NOT NULL PRIMARY KEY,  -- E.164, as notification.recipient
    wa_id        VARCHAR(20)              NOT NULL,
    user_id      VARCHAR(160),                                   -- BSUID, e.g. US.13491208655302741918
    username     VARCHAR(100),
    learned_from VARCHAR(16)              NOT NULL,              -- send-answer | webhook | status
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX contact_wa_id ON contact (wa_id);
CREATE INDEX contact_user_id ON contact (user_id);

-- Inbound messages that carried only a BSUID never seen before: kept, not dropped, and applied (the window opened as of
-- the message's own time) as soon as the BSUID is linked to a number.
CREATE TABLE inbound_unmatched (
    wamid           VARCHAR(128)             NOT NULL PRIMARY KEY,
    business_number VARCHAR(32)              NOT NULL,
    user_id         VARCHAR(160)             NOT NULL,
    username        VARCHAR(100),
    message_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    received_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    matched_at      TIMESTAMP WITH TIME ZONE
);
CREATE INDEX inbound_unmatched_user ON inbound_unmatched (user_id, matched_at);
