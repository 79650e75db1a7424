-- A window is the pair (business number, customer) (V14): every look-up and update names both. The expiry sweep keeps
-- its partial index on the OPEN windows (V10). PostgreSQL named V1's primary key session_window_pkey.
ALTER TABLE session_window DROP CONSTRAINT session_window_pkey;
ALTER TABLE session_window ADD PRIMARY KEY (business_number, recipient);
