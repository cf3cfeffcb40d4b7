-- Repricing history: every applied POST /admin/reprice, with what it changed.
CREATE TABLE cost_adjustments (
    id           bigserial       PRIMARY KEY,
    created_at   timestamptz     NOT NULL DEFAULT now(),
    model        text            NOT NULL,
    range_from   timestamptz     NOT NULL,
    range_to     timestamptz     NOT NULL,
    events       bigint          NOT NULL,
    old_cost_usd numeric(24, 12) NOT NULL,
    new_cost_usd numeric(24, 12) NOT NULL,
    delta_usd    numeric(24, 12) NOT NULL
);

-- Repricing reads one model's events in a time range.
CREATE INDEX usage_events_model_time_idx ON usage_events (served_model, created_at);
