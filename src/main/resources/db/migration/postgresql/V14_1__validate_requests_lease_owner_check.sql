-- Checks the rows that were there before V14 (set straight by it): SHARE UPDATE EXCLUSIVE, so reads and
-- writes of the table go on while it scans.
ALTER TABLE requests VALIDATE CONSTRAINT requests_lease_owner_while_leased;
