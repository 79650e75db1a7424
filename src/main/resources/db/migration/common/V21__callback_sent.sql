-- Events a receiver took (2xx) move out of callback_event into callback_sent, so callback_event holds only what is
-- still to be delivered (PENDING) or never will be (FAILED until retried, GONE after a 410): a table that stays small
-- while millions of events go through it. Every status change inserts an event in the transaction of the change, so
-- the cost of that insert is paid by every sender, and it is far less into a small table with all its index pages in
-- memory than into one holding every event of the retention; a delivered event is one delete there plus one insert
-- here (in id order, the primary key alone) instead of a rewrite of the row in all four indexes.
-- The same columns as callback_event, by construction, so an event moves whole; its id goes with it, so the order of
-- events is kept. finished_at: when the receiver took it, which callbacks.retention counts from.
-- Portable SQL: runs unchanged on HSQLDB 2.7 and PostgreSQL 14+.
CREATE TABLE callback_sent AS (SELECT * FROM callback_event) WITH NO DATA;
ALTER TABLE callback_sent ADD PRIMARY KEY (id);
