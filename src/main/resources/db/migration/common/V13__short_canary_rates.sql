-- A batch's own canary failure rate came from the caller unchecked: 1e-10000000 was stored as a plain
-- decimal of ten million characters and parsed on every read of the batch. Rates now have at most 6
-- decimals; cutting a stored one there (its text is "0.dddd..." or "1.000...") keeps the verdict for any
-- rate a person would write and makes every stored rate short.
UPDATE batches SET canary_max_failure_rate = SUBSTR(canary_max_failure_rate, 1, 8)
  WHERE LENGTH(canary_max_failure_rate) > 8;
