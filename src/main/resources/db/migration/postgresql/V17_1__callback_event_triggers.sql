-- Every status a notification takes is written as an event by the statement (so in the transaction) that sets it
-- (V17): on insert (QUEUED, SCHEDULED) and on every change of the status column, wherever in the code it happens.
-- Only for notifications with their own callback_url, or all of them while callbacks.url is set (callback_switch).
CREATE FUNCTION notification_status_event() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status = OLD.status THEN
        RETURN NULL;
    END IF;
    INSERT INTO callback_event (event_id, type, stream_key, url, notification_id, status, previous_status, route,
        wamid, error_code, error_title, error_details, source, occurred_at, next_attempt_at, retry_since)
    SELECT gen_random_uuid()::text, 'notification.status', 'n:' || NEW.id, NEW.callback_url, NEW.id, NEW.status,
        CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.route, NEW.wamid, NEW.error_code, NEW.error_title,
        NEW.error_details, NEW.source, NEW.updated_at, NEW.updated_at, NEW.updated_at
    FROM callback_switch s WHERE s.id = 1 AND (NEW.callback_url IS NOT NULL OR s.default_url);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER notification_status_event AFTER INSERT OR UPDATE OF status ON notification
FOR EACH ROW EXECUTE FUNCTION notification_status_event();

-- only pending events are claimed: a partial index stays small however many events were delivered
DROP INDEX callback_event_due;
CREATE INDEX callback_event_due ON callback_event (next_attempt_at) WHERE state = 'PENDING';
