-- The expiry sweep (issue 6: 1,000,000 stale windows in one run) on HSQLDB, which has no partial indexes. An UPDATE
-- there re-inserts the new row version into every index of the table, so the (state, last_inbound_at) index cost
-- about 40% of a large sweep. Without it the sweep scans the in-memory table instead (tens of milliseconds per
-- 100,000 windows), and every window update from a webhook is cheaper too. Its PostgreSQL counterpart replaces the
-- index with a partial one on the OPEN windows.
DROP INDEX session_window_state_inbound;
