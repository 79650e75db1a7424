-- Window expiry by watermark (issue 6: 1,000,000 stale windows expired in one scheduled run in under 5 s).
--
-- Until V11 the sweep wrote state = 'EXPIRED' into every stale window row. Nothing read that state (routing decides by
-- last_inbound_at, V1), yet it cost a row write per window: 20 s of CPU for a million windows on HSQLDB, 5 s on
-- PostgreSQL, a million dead row versions there for VACUUM, and row locks that kept webhooks waiting meanwhile.
-- Now the sweep moves one watermark instead: a window is EXPIRED when its latest inbound message is at or before the
-- cutoff of the latest sweep. session_window.state keeps only what an event decided: OPEN (the customer wrote in) or
-- CLOSED (the provider refused a session message with 131047). The view session_window_status shows the three states
-- as the table used to hold them.
CREATE TABLE window_sweep (
    id       INTEGER                  NOT NULL PRIMARY KEY,  -- always 1: one watermark
    cutoff   TIMESTAMP WITH TIME ZONE NOT NULL,              -- windows whose latest inbound message is at or before it are expired
    swept_at TIMESTAMP WITH TIME ZONE NOT NULL               -- when the sweep that set it ran
);

-- The watermark starts where the earlier sweeps left off: the latest window they expired.
INSERT INTO window_sweep (id, cutoff, swept_at)
SELECT 1, COALESCE(MAX(last_inbound_at), CAST('1970-01-01 00:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)), CURRENT_TIMESTAMP
FROM session_window WHERE state = 'EXPIRED';
UPDATE session_window SET state = 'OPEN' WHERE state = 'EXPIRED';

CREATE VIEW session_window_status AS
SELECT w.recipient, w.last_inbound_at, w.last_inbound_wamid,
       CASE WHEN w.state = 'OPEN' AND w.last_inbound_at <= s.cutoff THEN 'EXPIRED' ELSE w.state END AS state,
       w.updated_at
FROM session_window w CROSS JOIN window_sweep s;
