-- A request row has a lease owner exactly while it is leased: the result write finds a live lease by its
-- owner alone (see RequestResults.record), so a row that broke this would take or lose a result wrongly.
-- The database now refuses such a row.

-- Rows an earlier version may have left astray are set straight first, as a restart would: a lease
-- without owner goes back to the queue, a row that is not leased keeps no owner.
UPDATE requests SET state = 'queued', lease_until = NULL WHERE state = 'leased' AND lease_owner IS NULL;
UPDATE requests SET lease_owner = NULL, lease_until = NULL WHERE state <> 'leased' AND lease_owner IS NOT NULL;

-- NOT VALID: new and changed rows are checked from now on, and the table is not read here under the
-- exclusive lock that adding a constraint takes; V14.1 checks the existing rows in its own transaction,
-- under a lock that lets other nodes go on reading and writing.
ALTER TABLE requests ADD CONSTRAINT requests_lease_owner_while_leased
  CHECK ((state = 'leased' AND lease_owner IS NOT NULL) OR (state <> 'leased' AND lease_owner IS NULL)) NOT VALID;
