-- Run budgets (issue 22): the first request of a run (X-Tollgate-Run) may set its budget
-- (X-Tollgate-Run-Budget). A run lives until 24 hours after its last call; the same name then
-- starts a new run. Runs are a team's: two teams' runs of the same name are apart.
CREATE TABLE runs (
    team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    run text NOT NULL,
    budget_usd numeric(24, 12) CHECK (budget_usd > 0),
    started_at timestamptz NOT NULL,
    last_call_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, run)
);
CREATE INDEX runs_last_call ON runs (last_call_at);

-- A run's spend is counted in budget_spend under scope_kind 'run', with an id derived from the
-- team and the run (md5 of '<team id>:<run>' as a uuid) and the run's start as period_start; each
-- usage row of a run keeps that start.
ALTER TABLE usage_events ADD COLUMN run_started_at timestamptz;

ALTER TABLE budget_spend DROP CONSTRAINT budget_spend_scope_kind_check;
ALTER TABLE budget_spend ADD CONSTRAINT budget_spend_scope_kind_check CHECK (scope_kind IN ('team', 'key', 'end_user', 'run'));
