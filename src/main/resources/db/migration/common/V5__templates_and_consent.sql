-- Templates, consent and marketing rules (issue 5). Portable SQL: runs unchanged on HSQLDB 2.7 and PostgreSQL 14+.

-- The template registry: what Meta approved, in which language and category, and what a send must supply.
CREATE TABLE message_template (
    name        VARCHAR(512)             NOT NULL,
    language    VARCHAR(16)              NOT NULL,
    template_id VARCHAR(64),                          -- Meta's id (message_template_id in webhooks)
    status      VARCHAR(24)              NOT NULL,    -- APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ...
    category    VARCHAR(16),                          -- UTILITY | MARKETING | AUTHENTICATION
    definition  VARCHAR(32000),                       -- the Graph API's JSON of the template; null = status only
    reason      VARCHAR(1000),                        -- why Meta rejected, paused or disabled it
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (name, language)
);
CREATE INDEX message_template_id ON message_template (template_id);

-- Opt-ins with their evidence: who agreed, to which category (ALL = every category), where and when.
CREATE TABLE consent (
    recipient    VARCHAR(20)              NOT NULL,   -- E.164
    scope        VARCHAR(16)              NOT NULL,   -- ALL | UTILITY | MARKETING | AUTHENTICATION
    source       VARCHAR(64)              NOT NULL,   -- crm, csv, mail, api, ...
    evidence     VARCHAR(1000),                       -- e.g. the form, file and line, or the CRM record
    opted_in_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    recorded_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (recipient, scope)
);

-- Marketing stop/resume, from the user_preferences webhook, error 131050 or a keyword the customer wrote.
CREATE TABLE marketing_preference (
    recipient   VARCHAR(20)              NOT NULL PRIMARY KEY,
    state       VARCHAR(8)               NOT NULL,    -- STOPPED | RESUMED
    source      VARCHAR(64)              NOT NULL,
    changed_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Why a HELD notification waits: WINDOW (until the customer writes in) or TEMPLATE (until its template is unpaused).
ALTER TABLE notification ADD COLUMN hold_reason VARCHAR(8);
UPDATE notification SET hold_reason = 'WINDOW' WHERE status = 'HELD';
