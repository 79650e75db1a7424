-- Delivered events are kept for callbacks.retention (a week of every message's events): CACHED, like callback_event, and
-- before V21.2 moves the delivered ones here.
SET TABLE callback_sent TYPE CACHED;
