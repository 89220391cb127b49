-- Results retention: when a batch's results are archived, its request rows are deleted and what its
-- results held in each final state is kept here, so the batch still reports its counts.
ALTER TABLE batches ADD COLUMN archived_at BIGINT;
ALTER TABLE batches ADD COLUMN final_counts TEXT;
