-- One schema for SQLite and PostgreSQL: portable types only. Times are Unix milliseconds; the API shows seconds.
CREATE TABLE files (
  id         TEXT PRIMARY KEY,
  project    TEXT   NOT NULL,
  purpose    TEXT   NOT NULL,
  filename   TEXT   NOT NULL,
  bytes      BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  blob_key   TEXT   NOT NULL
);
CREATE INDEX files_by_project ON files (project, created_at, id);
CREATE INDEX files_by_expiry ON files (expires_at);

CREATE TABLE batches (
  id                   TEXT PRIMARY KEY,
  project              TEXT   NOT NULL,
  endpoint             TEXT   NOT NULL,
  model                TEXT,
  input_file_id        TEXT   NOT NULL,
  completion_window    TEXT   NOT NULL,
  status               TEXT   NOT NULL,
  created_at           BIGINT NOT NULL,
  expires_at           BIGINT NOT NULL,
  in_progress_at       BIGINT,
  finalizing_at        BIGINT,
  completed_at         BIGINT,
  failed_at            BIGINT,
  expired_at           BIGINT,
  cancelling_at        BIGINT,
  cancelled_at         BIGINT,
  total                INTEGER NOT NULL DEFAULT 0,
  completed            INTEGER NOT NULL DEFAULT 0,
  failed               INTEGER NOT NULL DEFAULT 0,
  output_file_id       TEXT,
  error_file_id        TEXT,
  errors               TEXT,
  metadata             TEXT,
  output_expires_after BIGINT,
  input_tokens         BIGINT NOT NULL DEFAULT 0,
  cached_tokens        BIGINT NOT NULL DEFAULT 0,
  output_tokens        BIGINT NOT NULL DEFAULT 0,
  reasoning_tokens     BIGINT NOT NULL DEFAULT 0,
  total_tokens         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX batches_by_project ON batches (project, created_at, id);
CREATE INDEX batches_by_status ON batches (status);
CREATE INDEX batches_by_input_file ON batches (input_file_id);

-- One row per input line. The body stays in the input blob at (byte_offset, byte_length).
CREATE TABLE requests (
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
  PRIMARY KEY (batch_id, line)
);
-- Exactly one result per custom_id, whatever the retries did.
CREATE UNIQUE INDEX requests_custom_id ON requests (batch_id, custom_id);
-- Serves the claim query exactly (queued rows of a batch, due first, in line order), so a claim
-- reads only the rows it takes instead of sorting every queued row of the batch.
CREATE INDEX requests_claim ON requests (batch_id, state, next_attempt_at, line);
CREATE INDEX requests_leases ON requests (state, lease_until);
