-- The expiry sweep counts the open windows between the previous watermark and the new cutoff (V12). HSQLDB has no
-- partial index like PostgreSQL's session_window_open_inbound (V10), so it gets a plain one on last_inbound_at: with it
-- the steady-state sweep, every minute, reads only the windows that crossed the cutoff since the last one, instead of
-- scanning the whole table. (PostgreSQL needs no V13. A migration common to both databases is V14 or later.)
CREATE INDEX session_window_inbound ON session_window (last_inbound_at);
