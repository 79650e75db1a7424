-- The cost ledger (issue 5): what each sent message costs, by Meta's own decision (the pricing object of its status
-- webhooks) or, until that arrives, by Windowgate's estimate at send time. Portable SQL: HSQLDB 2.7 and PostgreSQL 14+.
CREATE TABLE message_cost (
    wamid           VARCHAR(128)             NOT NULL PRIMARY KEY,
    notification_id VARCHAR(128),
    day             DATE                     NOT NULL,   -- UTC day of the send
    category        VARCHAR(32)              NOT NULL,   -- Meta's pricing.category: marketing, utility, authentication, service, ...
    pricing_type    VARCHAR(32)              NOT NULL,   -- regular, free_customer_service, free_entry_point, ...
    billable        BOOLEAN                  NOT NULL,
    pricing_model   VARCHAR(8),                          -- PMP (per message) or CBP (legacy)
    source          VARCHAR(8)               NOT NULL,   -- ESTIMATE (at send) or WEBHOOK (Meta's pricing)
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX message_cost_day ON message_cost (day, category);
