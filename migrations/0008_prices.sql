-- Prices as data shared by every replica: each entry as it was given (entry, a PriceEntry in
-- JSON), keyed by model and the day it takes effect. An entry is never edited: a correction (same
-- model and effective day) inserts a new row and marks the old one replaced, so history stays.
CREATE TABLE model_prices (
    id             bigserial   PRIMARY KEY,
    model          text        NOT NULL,
    provider       text        NOT NULL,
    effective_from date        NOT NULL,
    entry          jsonb       NOT NULL,
    -- 'built-in' (the binary's catalogue), 'file' (--pricing-dir) or 'admin' (POST /admin/prices)
    origin         text        NOT NULL CHECK (origin IN ('built-in', 'file', 'admin')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    replaced_at    timestamptz,
    replaced_by    bigint      REFERENCES model_prices (id)
);

CREATE UNIQUE INDEX model_prices_in_force_idx ON model_prices (model, effective_from) WHERE replaced_at IS NULL;
CREATE INDEX model_prices_model_idx ON model_prices (model, effective_from, id);
