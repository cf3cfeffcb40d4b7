-- API keys: a public prefix and the SHA-256 of the secret; the secret itself is never stored.
CREATE TABLE api_keys (
    id                 uuid PRIMARY KEY,
    team_id            uuid NOT NULL REFERENCES teams (id),
    name               text NOT NULL,
    prefix             text NOT NULL,
    secret_hash        text NOT NULL UNIQUE,
    models             text[],
    monthly_budget_usd numeric(24, 12) CHECK (monthly_budget_usd >= 0),
    expires_at         timestamptz,
    revoked_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX api_keys_team_id_idx ON api_keys (team_id);
