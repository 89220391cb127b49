-- Provider batch jobs: a backend with provider_batch runs batch lines inside the provider's own batch jobs.
-- A job is recorded before it is created upstream (state 'creating'), so a crash between the two is found
-- again by the id Barge wrote into the job, never created twice.
CREATE TABLE upstream_jobs (
  id TEXT PRIMARY KEY,
  backend TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  state TEXT NOT NULL,
  provider_id TEXT,
  provider_status TEXT,
  total BIGINT NOT NULL DEFAULT 0,
  completed BIGINT NOT NULL DEFAULT 0,
  failed BIGINT NOT NULL DEFAULT 0,
  failure TEXT,
  result_refs TEXT,
  memo TEXT,
  worker TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  next_poll_at BIGINT NOT NULL,
  ended_at BIGINT
);
CREATE INDEX upstream_jobs_open ON upstream_jobs (next_poll_at) WHERE state <> 'done';

-- Which batches had lines in which job, and how many: what a batch object lists as its upstream jobs.
CREATE TABLE upstream_job_batches (
  job_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  requests BIGINT NOT NULL,
  PRIMARY KEY (job_id, batch_id)
);
CREATE INDEX upstream_job_batches_batch ON upstream_job_batches (batch_id);

-- The job a line was last put in (it stays when the line comes back, so it runs real-time from then on),
-- and the tier its result was bought at. Only lines that went into a job are in the index.
ALTER TABLE requests ADD COLUMN upstream_job TEXT;
ALTER TABLE requests ADD COLUMN tier TEXT;
CREATE INDEX requests_upstream_job ON requests (upstream_job) WHERE upstream_job IS NOT NULL;

-- Each batch's results per tier: requests and cost.
CREATE TABLE batch_tiers (
  batch_id TEXT NOT NULL,
  tier TEXT NOT NULL,
  requests BIGINT NOT NULL,
  cost BIGINT NOT NULL,
  PRIMARY KEY (batch_id, tier)
);
