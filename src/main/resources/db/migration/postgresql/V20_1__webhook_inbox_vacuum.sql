-- Every row of webhook_inbox is deleted soon after it is inserted: vacuum it after a fixed number of dead rows rather
-- than a fraction of a table that is nearly always small, so that the dead rows the applier reads past stay few.
ALTER TABLE webhook_inbox SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
