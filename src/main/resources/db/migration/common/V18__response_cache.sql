-- The response cache across batches: a line of a batch with the cache on carries the hash of its request
-- (model, endpoint and canonical body), so a later batch's same request, in the same project, can take its
-- answer. Only lines that may be answered from the cache have one; a line so answered is marked cached.
ALTER TABLE requests ADD COLUMN cache_key TEXT;
ALTER TABLE requests ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
CREATE INDEX requests_cache_key ON requests (cache_key) WHERE cache_key IS NOT NULL;
ALTER TABLE batches ADD COLUMN cache TEXT;
ALTER TABLE batches ADD COLUMN cached_requests INTEGER NOT NULL DEFAULT 0;
