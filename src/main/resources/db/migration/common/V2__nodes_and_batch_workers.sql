-- Nodes sharing this database: each heartbeats; a node whose heartbeat stops is dead, and its
-- leases and batches are taken over by the others.
CREATE TABLE nodes (
  id           TEXT PRIMARY KEY,
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);

-- The node that moves a batch along its lifecycle (validation, finalize); one at a time.
ALTER TABLE batches ADD COLUMN worker TEXT;
