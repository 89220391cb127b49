-- The daily windows a batch may run in (extension field on create): a JSON array of strings such as
-- "22:00-06:00 Europe/Berlin"; NULL means any time.
ALTER TABLE batches ADD COLUMN run_windows TEXT;
