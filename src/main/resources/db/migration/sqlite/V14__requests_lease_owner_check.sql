-- A request row has a lease owner exactly while it is leased: the result write finds a live lease by its
-- owner alone (see RequestResults.record), so a row that broke this would take or lose a result wrongly.
-- The database now refuses such a row. SQLite cannot add a CHECK to a table: the table is built anew
-- with it (same columns in the same order, same primary key), the rows copied, and its indexes (those of
-- V1 as V3 left them; no triggers) made again.

-- Rows an earlier version may have left astray are set straight first, as a restart would: a lease
-- without owner goes back to the queue, a row that is not leased keeps no owner.
UPDATE requests SET state = 'queued', lease_until = NULL WHERE state = 'leased' AND lease_owner IS NULL;
UPDATE requests SET lease_owner = NULL, lease_until = NULL WHERE state <> 'leased' AND lease_owner IS NOT NULL;

CREATE TABLE requests_new (
  batch_id         TEXT    NOT NULL,
  line             INTEGER NOT NULL,
  custom_id        TEXT    NOT NULL,
  byte_offset      BIGINT  NOT NULL,
  byte_length      INTEGER NOT NULL,
  state            TEXT    NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT  NOT NULL DEFAULT 0,
  lease_owner      TEXT,
  lease_until      BIGINT,
  status_code      INTEGER,
  request_id       TEXT,
  response         TEXT,
  error_code       TEXT,
  error_message    TEXT,
  input_tokens     BIGINT,
  output_tokens    BIGINT,
  finished_at      BIGINT,
  cached_tokens    BIGINT,
  cost             BIGINT,
  PRIMARY KEY (batch_id, line),
  CONSTRAINT requests_lease_owner_while_leased
    CHECK ((state = 'leased' AND lease_owner IS NOT NULL) OR (state <> 'leased' AND lease_owner IS NULL))
);
INSERT INTO requests_new (batch_id, line, custom_id, byte_offset, byte_length, state, attempts, next_attempt_at,
    lease_owner, lease_until, status_code, request_id, response, error_code, error_message, input_tokens,
    output_tokens, finished_at, cached_tokens, cost)
  SELECT batch_id, line, custom_id, byte_offset, byte_length, state, attempts, next_attempt_at,
    lease_owner, lease_until, status_code, request_id, response, error_code, error_message, input_tokens,
    output_tokens, finished_at, cached_tokens, cost
  FROM requests;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;

-- As V3 made them: the claim and lease-recovery indexes hold only queued and leased rows.
CREATE INDEX requests_claim ON requests (batch_id, next_attempt_at, line) WHERE state = 'queued';
CREATE INDEX requests_leases ON requests (lease_until) WHERE state = 'leased';
