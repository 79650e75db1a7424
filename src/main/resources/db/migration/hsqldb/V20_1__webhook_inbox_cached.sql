-- A backlog of webhooks (an applier stopped for hours) must not fill the Java heap: CACHED, like notification (V11).
SET TABLE webhook_inbox TYPE CACHED;
