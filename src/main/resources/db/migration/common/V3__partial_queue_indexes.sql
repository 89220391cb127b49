-- The claim and lease-recovery indexes only ever look for queued and leased rows, so they hold only
-- those: a finished row (most of a large batch) leaves them, and on PostgreSQL the row versions a
-- request goes through as it is claimed and finished add fewer index entries to write and to skip.
DROP INDEX requests_claim;
CREATE INDEX requests_claim ON requests (batch_id, next_attempt_at, line) WHERE state = 'queued';
DROP INDEX requests_leases;
CREATE INDEX requests_leases ON requests (lease_until) WHERE state = 'leased';
