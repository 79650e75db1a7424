-- Windowgate core schema. Portable SQL: runs unchanged on HSQLDB 2.7 and PostgreSQL 14+.

-- Every accepted notification, keyed by its idempotency id (global across sources).
CREATE TABLE notification (
    id                VARCHAR(128)             NOT NULL PRIMARY KEY,
    recipient         VARCHAR(20)              NOT NULL,  -- E.164
    body_text         VARCHAR(8192),                      -- at most 4,096 characters (emoji take two UTF-16 units)
    template_name     VARCHAR(512),
    template_language VARCHAR(16),
    template_params   VARCHAR(16000),                     -- JSON: a list (positional) or an object (named)
    category          VARCHAR(16),
    send_at           TIMESTAMP WITH TIME ZONE,
    source            VARCHAR(16)              NOT NULL,  -- csv, crm, mail
    status            VARCHAR(12)              NOT NULL,  -- SCHEDULED HELD QUEUED SENT DELIVERED READ FAILED REJECTED EXPIRED
    route             VARCHAR(10),                        -- session | template, once decided
    wamid             VARCHAR(128),                       -- provider message id of the latest send
    attempts          INTEGER                  DEFAULT 0 NOT NULL,
    error_code        INTEGER,
    error_title       VARCHAR(200),
    error_details     VARCHAR(1000),
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX notification_wamid ON notification (wamid);
CREATE INDEX notification_recipient_status ON notification (recipient, status);
CREATE INDEX notification_status_created ON notification (status, created_at);

-- The customer service window of each recipient: opened and refreshed only by the recipient's own messages.
CREATE TABLE session_window (
    recipient          VARCHAR(20)              NOT NULL PRIMARY KEY,  -- E.164
    last_inbound_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    last_inbound_wamid VARCHAR(128),
    state              VARCHAR(8)               NOT NULL,  -- OPEN | EXPIRED (housekeeping; the timestamp decides)
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX session_window_state_inbound ON session_window (state, last_inbound_at);
