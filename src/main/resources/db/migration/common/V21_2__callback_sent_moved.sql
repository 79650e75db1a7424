-- The events delivered before callback_sent existed move there (after V21.1 on HSQLDB, so into a CACHED table, not
-- the heap).
INSERT INTO callback_sent (id, event_id, type, stream_key, url, notification_id, status, previous_status, route, wamid,
    error_code, error_title, error_details, source, recipient, business_number, closes_at, payload, occurred_at, state,
    attempts, next_attempt_at, lease_owner, retry_since, last_error, finished_at)
SELECT id, event_id, type, stream_key, url, notification_id, status, previous_status, route, wamid, error_code,
    error_title, error_details, source, recipient, business_number, closes_at, payload, occurred_at, state, attempts,
    next_attempt_at, NULL, retry_since, last_error, COALESCE(finished_at, occurred_at)
FROM callback_event WHERE state = 'SENT';

DELETE FROM callback_event WHERE state = 'SENT';
