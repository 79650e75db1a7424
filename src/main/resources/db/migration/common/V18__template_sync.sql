-- The outcome of the template registry's sync with the Graph API (templates.sync.waba-id), one row shared by all nodes
-- (the clustered schedule runs each sync on one of them): what GET /api/templates reports.
CREATE TABLE template_sync (
    id           INTEGER                  NOT NULL PRIMARY KEY,  -- always 1
    attempted_at TIMESTAMP WITH TIME ZONE,
    succeeded_at TIMESTAMP WITH TIME ZONE,
    outcome      VARCHAR(8),                                     -- OK | FAILED
    detail       VARCHAR(2000),
    templates    INTEGER
);
INSERT INTO template_sync (id) VALUES (1);
