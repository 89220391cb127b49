-- Results retention. A batch's results are archived in two steps: first archived_at is set (its results
-- answer 404 from then on) with what they held in each final state kept in final_counts, so the batch
-- still reports its counts; minutes later, once no reader can still be streaming them, its request rows
-- are deleted and purged_at is set.
ALTER TABLE batches ADD COLUMN archived_at BIGINT;
ALTER TABLE batches ADD COLUMN final_counts TEXT;
ALTER TABLE batches ADD COLUMN purged_at BIGINT;
CREATE INDEX batches_to_archive ON batches (created_at) WHERE archived_at IS NULL;
CREATE INDEX batches_to_purge ON batches (archived_at) WHERE archived_at IS NOT NULL AND purged_at IS NULL;
