-- Cluster locks (issue 6): which node processes a dropped file or a mail. A row is held by its owner while
-- heartbeat_at is kept fresh; a row whose heartbeat is older than the lock's maximum age belongs to a dead node and is
-- taken over. heartbeat_at NULL = done for good (a processed mail: never processed again).
CREATE TABLE cluster_lock (
    lock_name    VARCHAR(32)              NOT NULL,
    lock_key     VARCHAR(1000)            NOT NULL,
    owner        VARCHAR(64)              NOT NULL,
    heartbeat_at TIMESTAMP WITH TIME ZONE,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (lock_name, lock_key)
);
