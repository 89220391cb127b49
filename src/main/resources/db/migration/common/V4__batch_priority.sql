-- A batch's weight when it shares a backend with other batches of its project (extension field on create).
ALTER TABLE batches ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
