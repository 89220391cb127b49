-- Every request row is written three times or more (queued, claimed, finished, maybe requeued), so
-- each index on it costs on every step. Keep only what the queries need.

-- The claim and lease-recovery indexes only ever look for queued and leased rows, so they hold only
-- those: a finished row (most of a large batch) leaves them, and on PostgreSQL the row versions a
-- request goes through as it is claimed and finished add fewer index entries to write and to skip.
DROP INDEX requests_claim;
CREATE INDEX requests_claim ON requests (batch_id, next_attempt_at, line) WHERE state = 'queued';
DROP INDEX requests_leases;
CREATE INDEX requests_leases ON requests (lease_until) WHERE state = 'leased';

-- custom_ids are unique per batch before any row is inserted: validation refuses a file with a
-- duplicate (its index can take two different ids for one, never miss a real duplicate), and each
-- line is one row (the primary key). A unique index on top cost half the ingest rate with random
-- ids (a B-tree insert at a random place per line) and a uniqueness check on every row update.
DROP INDEX requests_custom_id;
