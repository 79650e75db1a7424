-- Several business numbers (README "Several business numbers"): a customer service window belongs to the pair
-- (business number, customer), and each notification names the number it is sent from.
--
-- Both columns hold the number's alias, not its phone number id: the default number's id is configuration
-- (whatsapp.phone-number-id, or the sandbox's made-up one), unknown when this migration runs, while its alias is always
-- 'default'. Every existing window and notification was the default number's, so they get 'default'. The column default
-- stays: a node still running the previous version during a rolling upgrade writes rows without the column, and those
-- are the default number's too. The primary key becomes the pair in V15, whose syntax differs between the databases.
ALTER TABLE notification ADD COLUMN sender VARCHAR(32) DEFAULT 'default' NOT NULL;

-- the view reads the table's columns: it is made again below, with the number
DROP VIEW session_window_status;
ALTER TABLE session_window ADD COLUMN business_number VARCHAR(32) DEFAULT 'default' NOT NULL;

CREATE VIEW session_window_status AS
SELECT w.business_number, w.recipient, w.last_inbound_at, w.last_inbound_wamid,
       CASE WHEN w.state = 'OPEN' AND w.last_inbound_at <= s.cutoff THEN 'EXPIRED' ELSE w.state END AS state,
       w.updated_at
FROM session_window w CROSS JOIN window_sweep s;
