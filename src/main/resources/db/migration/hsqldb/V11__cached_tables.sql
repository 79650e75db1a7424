-- HSQLDB keeps a MEMORY table (its default) wholly in the Java heap: the notification history, the cost ledger and
-- the windows grow with every message, so a -Xmx256m node ran out of heap after roughly 150,000 notifications. CACHED
-- tables live in the .data file and keep only a bounded cache of rows in memory (hsqldb.cache_rows). The small
-- configuration tables stay in memory. (In a mem: database, as the tests use, CACHED means MEMORY.)
SET TABLE notification TYPE CACHED;
SET TABLE message_cost TYPE CACHED;
SET TABLE session_window TYPE CACHED;
SET TABLE source_rejection TYPE CACHED;
SET TABLE consent TYPE CACHED;
SET TABLE marketing_preference TYPE CACHED;
