-- Dry runs read and check a whole input file, so they count against batch.max_creations_per_hour like
-- creations do. One row per dry run; rows older than an hour are deleted as the project's next ones come.
CREATE TABLE dry_runs (
  project    TEXT   NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX dry_runs_by_project ON dry_runs (project, created_at);
