-- Money is stored as whole picodollars (10^-12 USD) in BIGINT: exact and summable in SQL on both
-- databases (SQLite has no decimal type), and far finer than any price.
ALTER TABLE requests ADD COLUMN cached_tokens BIGINT;
ALTER TABLE requests ADD COLUMN cost BIGINT;

-- What the batch's results cost at its price, and what they would have cost at the real-time price.
ALTER TABLE batches ADD COLUMN cost BIGINT NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN list_cost BIGINT NOT NULL DEFAULT 0;
-- Its budget (extension field max_cost_usd); NULL for none.
ALTER TABLE batches ADD COLUMN max_cost BIGINT;
-- Why dispatch stopped taking its work ('batch_budget', 'project_budget'), and since when.
ALTER TABLE batches ADD COLUMN stopped_reason TEXT;
ALTER TABLE batches ADD COLUMN stopped_at BIGINT;
-- Canary: size and failure rate asked for (NULL = the server's default, size 0 = none); the sample's
-- lines (JSON array) once picked; state 'running', 'passed' or 'failed' (NULL = no canary).
ALTER TABLE batches ADD COLUMN canary_size INTEGER;
ALTER TABLE batches ADD COLUMN canary_max_failure_rate TEXT;
ALTER TABLE batches ADD COLUMN canary_lines TEXT;
ALTER TABLE batches ADD COLUMN canary_state TEXT;
-- Estimated prompt tokens of its lines, held against the project's enqueued-token quota until it ends.
ALTER TABLE batches ADD COLUMN enqueued_tokens BIGINT NOT NULL DEFAULT 0;
CREATE INDEX batches_enqueued ON batches (project, model, status);

-- What each project spent per UTC day and tier ('batch', 'standard', 'flex'), for daily budgets.
CREATE TABLE project_spend (
  project   TEXT   NOT NULL,
  day       BIGINT NOT NULL,
  tier      TEXT   NOT NULL,
  requests  BIGINT NOT NULL,
  cost      BIGINT NOT NULL,
  list_cost BIGINT NOT NULL,
  PRIMARY KEY (project, day, tier)
);
