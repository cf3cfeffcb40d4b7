-- A replayed answer carries the headers that said what served it (x-tollgate-model, -provider,
-- -attempts, -downgraded-from), kept as parallel name and value lists.
ALTER TABLE idempotency_keys ADD COLUMN header_names text[] NOT NULL DEFAULT '{}';
ALTER TABLE idempotency_keys ADD COLUMN header_values text[] NOT NULL DEFAULT '{}';
