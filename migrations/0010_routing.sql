-- Routing (issue 11): each usage row says which route chose its model (an alias, a task route,
-- or 'direct'), so spend can be grouped by it; the daily rollup keeps it as a dimension. Teams
-- may carry their own task routes.
ALTER TABLE usage_events ADD COLUMN route text NOT NULL DEFAULT 'direct';

ALTER TABLE usage_daily ADD COLUMN route text NOT NULL DEFAULT 'direct';
ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_pkey;
ALTER TABLE usage_daily ADD PRIMARY KEY (day, team_id, key_id, task, model, provider, route);

ALTER TABLE teams ADD COLUMN routes jsonb;
