-- Budgets: soft limits, per-team time zone and downgrade map, alert webhooks, per-key rate limits.
ALTER TABLE teams
    ADD COLUMN soft_budget_usd   numeric(24, 12) CHECK (soft_budget_usd >= 0),
    ADD COLUMN budget_timezone   text  NOT NULL DEFAULT 'UTC',
    ADD COLUMN downgrade         jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN alert_webhook_url text;

ALTER TABLE api_keys
    ADD COLUMN soft_budget_usd numeric(24, 12) CHECK (soft_budget_usd >= 0),
    ADD COLUMN rpm_limit       integer CHECK (rpm_limit > 0),
    ADD COLUMN tpm_limit       integer CHECK (tpm_limit > 0);

-- Which budget period (its start, in the team's time zone) each request counts against.
ALTER TABLE usage_events ADD COLUMN budget_period_start timestamptz;

-- Spend per scope and period, updated in the same statement as each batch of usage events, so
-- every replica reads the same figure. A new period is a new row: nothing has to reset it.
CREATE TABLE budget_spend (
    scope_kind   text            NOT NULL CHECK (scope_kind IN ('team', 'key')),
    scope_id     uuid            NOT NULL,
    period_start timestamptz     NOT NULL,
    spent_usd    numeric(24, 12) NOT NULL,
    PRIMARY KEY (scope_kind, scope_id, period_start)
);

-- One row per threshold crossed per scope and period: claimed once across replicas, delivered
-- at least once.
CREATE TABLE budget_alerts (
    scope_kind   text        NOT NULL,
    scope_id     uuid        NOT NULL,
    period_start timestamptz NOT NULL,
    threshold    integer     NOT NULL,
    team_id      uuid        NOT NULL,
    payload      jsonb       NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    attempts     integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (scope_kind, scope_id, period_start, threshold)
);

CREATE INDEX budget_alerts_undelivered_idx ON budget_alerts (claimed_at) WHERE delivered_at IS NULL;
