-- Batch events for webhooks, written in the transaction that ends the batch (an outbox: none is lost),
-- and their deliveries, one per configured endpoint, retried with backoff until delivered or given up.
CREATE TABLE webhook_events (
  id         TEXT   PRIMARY KEY,
  batch_id   TEXT   NOT NULL,
  type       TEXT   NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX webhook_events_by_time ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
  event_id        TEXT    NOT NULL,
  endpoint        TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT  NOT NULL,
  delivered_at    BIGINT,
  given_up_at     BIGINT,
  last_error      TEXT,
  PRIMARY KEY (event_id, endpoint)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;
