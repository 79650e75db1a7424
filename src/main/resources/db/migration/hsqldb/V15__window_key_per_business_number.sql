-- A window is the pair (business number, customer) (V14): every look-up and update names both. The expiry sweep keeps
-- its index on last_inbound_at (V13). HSQLDB drops an unnamed primary key by DROP PRIMARY KEY; PostgreSQL by its name.
ALTER TABLE session_window DROP PRIMARY KEY;
ALTER TABLE session_window ADD PRIMARY KEY (business_number, recipient);
