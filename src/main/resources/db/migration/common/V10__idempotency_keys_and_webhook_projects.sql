-- Webhook events name their batch's project, so an endpoint limited to some projects (webhooks[].projects)
-- hears only of theirs.
ALTER TABLE webhook_events ADD COLUMN project TEXT;
UPDATE webhook_events SET project = (SELECT b.project FROM batches b WHERE b.id = webhook_events.batch_id);

-- The Idempotency-Key of each create request (POST /v1/files, /v1/batches, /v1/messages/batches) and what
-- it created, kept 24 hours. The row is written in the transaction that creates the object: a second request
-- with the key, even one running at the same moment on another node, cannot create a second object.
CREATE TABLE idempotency_keys (
  project         TEXT   NOT NULL,
  idempotency_key TEXT   NOT NULL,
  route           TEXT   NOT NULL,
  fingerprint     TEXT   NOT NULL,
  object_id       TEXT   NOT NULL,
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (project, idempotency_key)
);
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (created_at);
