-- Teams own keys and budgets.
CREATE TABLE teams (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL UNIQUE,
    monthly_budget_usd numeric(24, 12) CHECK (monthly_budget_usd >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
