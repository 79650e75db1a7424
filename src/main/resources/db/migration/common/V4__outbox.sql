-- The durable outbox (issue 4). Portable SQL: runs unchanged on HSQLDB 2.7 and PostgreSQL 14+.
--
-- A QUEUED notification is sent once next_attempt_at has come. A sender claims it by moving next_attempt_at to the end
-- of its lease (lease_owner says who); a claim that never finished (the node died mid-send) is taken over when the
-- lease ends. A send that must wait (retry back-off, pacing, Retry-After, a pause) moves next_attempt_at forward.
ALTER TABLE notification ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE notification ADD COLUMN lease_owner VARCHAR(64);
-- set when a send's outcome is unknown (timeout after the request left): reconciled from status webhooks before a resend
ALTER TABLE notification ADD COLUMN outcome_unknown_since TIMESTAMP WITH TIME ZONE;
-- send attempts counted against whatsapp.retry.max-redeliveries (pacing and pauses do not count)
ALTER TABLE notification ADD COLUMN retries INTEGER DEFAULT 0 NOT NULL;
UPDATE notification SET next_attempt_at = updated_at WHERE status = 'QUEUED';
CREATE INDEX notification_outbox ON notification (status, next_attempt_at);
CREATE INDEX notification_status_id ON notification (status, id);

-- Sending as a whole: paused after an account-level provider error (token expired, account locked, policy block...)
-- until paused_until or an operator resumes it. One row, shared by every node.
CREATE TABLE sending_state (
    name         VARCHAR(16)              NOT NULL PRIMARY KEY,  -- 'whatsapp'
    paused_until TIMESTAMP WITH TIME ZONE,                       -- null = sending
    error_code   INTEGER,
    reason       VARCHAR(1000),
    paused_at    TIMESTAMP WITH TIME ZONE,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
INSERT INTO sending_state (name, paused_until, error_code, reason, paused_at, updated_at)
VALUES ('whatsapp', NULL, NULL, NULL, NULL, CURRENT_TIMESTAMP);
