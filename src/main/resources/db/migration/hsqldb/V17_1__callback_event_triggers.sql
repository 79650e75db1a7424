-- Every status a notification takes is written as an event by the statement (so in the transaction) that sets it
-- (V17): on insert (QUEUED, SCHEDULED) and on every change of the status column, wherever in the code it happens.
-- Only for notifications with their own callback_url, or all of them while callbacks.url is set (callback_switch).
-- The event table grows with every message: CACHED, like notification (V11).
SET TABLE callback_event TYPE CACHED;
SET TABLE callback_window TYPE CACHED;

CREATE TRIGGER notification_status_inserted AFTER INSERT ON notification
REFERENCING NEW ROW AS n FOR EACH ROW
INSERT INTO callback_event (event_id, type, stream_key, url, notification_id, status, previous_status, route, wamid,
    error_code, error_title, error_details, source, occurred_at, next_attempt_at, retry_since)
SELECT CAST(UUID() AS VARCHAR(36)), 'notification.status', 'n:' || n.id, n.callback_url, n.id, n.status, NULL,
    n.route, n.wamid, n.error_code, n.error_title, n.error_details, n.source, n.updated_at, n.updated_at, n.updated_at
FROM callback_switch s WHERE s.id = 1 AND (n.callback_url IS NOT NULL OR s.default_url);

CREATE TRIGGER notification_status_changed AFTER UPDATE OF status ON notification
REFERENCING OLD ROW AS o NEW ROW AS n FOR EACH ROW WHEN (n.status <> o.status)
INSERT INTO callback_event (event_id, type, stream_key, url, notification_id, status, previous_status, route, wamid,
    error_code, error_title, error_details, source, occurred_at, next_attempt_at, retry_since)
SELECT CAST(UUID() AS VARCHAR(36)), 'notification.status', 'n:' || n.id, n.callback_url, n.id, n.status, o.status,
    n.route, n.wamid, n.error_code, n.error_title, n.error_details, n.source, n.updated_at, n.updated_at, n.updated_at
FROM callback_switch s WHERE s.id = 1 AND (n.callback_url IS NOT NULL OR s.default_url);
