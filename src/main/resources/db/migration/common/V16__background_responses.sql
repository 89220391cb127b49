-- Background responses (POST /v1/responses with "background": true): one row each, the request inline.
-- status is what the API shows (queued, in_progress, completed, incomplete, failed, cancelled); state is
-- the row's place in the queue: 'waiting' to be claimed (first, or again after a retryable answer),
-- 'leased' to a node calling the backend now, 'ended' for good.
CREATE TABLE responses (
  id              TEXT    PRIMARY KEY,
  project         TEXT    NOT NULL,
  model           TEXT    NOT NULL,
  request         TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  state           TEXT    NOT NULL,
  -- The claim order (start-time fair queuing, per model): one past the last of its project's own still in
  -- the queue for the model, and never before the front of that queue, so that a project with thousands
  -- waiting does not hold back another project's first one (fair share between projects).
  turn            BIGINT  NOT NULL,
  created_at      BIGINT  NOT NULL,
  started_at      BIGINT,
  ended_at        BIGINT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT  NOT NULL DEFAULT 0,
  lease_owner     TEXT,
  lease_until     BIGINT,
  result          TEXT,
  error_code      TEXT,
  error_message   TEXT,
  input_tokens    BIGINT,
  output_tokens   BIGINT,
  cost            BIGINT
);
CREATE INDEX responses_claim ON responses (state, turn, created_at);
CREATE INDEX responses_turns ON responses (model, project, state, turn);
CREATE INDEX responses_front ON responses (model, state, turn);
CREATE INDEX responses_ended ON responses (ended_at) WHERE ended_at IS NOT NULL;

-- Webhook events are about batches and now also background responses: the column names either.
ALTER TABLE webhook_events RENAME COLUMN batch_id TO subject_id;
