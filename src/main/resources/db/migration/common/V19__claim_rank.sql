-- Lines are claimed in claim_rank order, not line order: the validator ranks lines that share a long prompt
-- prefix next to each other, so that a self-hosted engine still holds the prefix's KV cache when the next
-- one comes. A line with no rank of its own has its line number, as before.
ALTER TABLE requests ADD COLUMN claim_rank BIGINT NOT NULL DEFAULT 0;
UPDATE requests SET claim_rank = line WHERE state IN ('queued', 'leased');
DROP INDEX requests_claim;
CREATE INDEX requests_claim ON requests (batch_id, next_attempt_at, claim_rank) WHERE state = 'queued';
