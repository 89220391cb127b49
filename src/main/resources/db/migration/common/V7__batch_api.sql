-- The API a batch came through: 'openai' (Files + Batch API) or 'anthropic' (Message Batches API). The
-- engine runs both alike; each API lists and shows only its own.
ALTER TABLE batches ADD COLUMN api TEXT NOT NULL DEFAULT 'openai';
