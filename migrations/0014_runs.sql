-- Runs (issue 22): a request may name the agent run or job it belongs to (X-Tollgate-Run); the
-- usage row keeps it, so spend can be grouped and filtered by run. Runs are many and short: reports
-- by run read the events (through this index), and the daily rollup does not carry them.
ALTER TABLE usage_events ADD COLUMN run text;
CREATE INDEX usage_events_run ON usage_events (team_id, run, created_at) WHERE run IS NOT NULL;
