-- End users (issue 22): each usage row says who the app served the call for (OpenAI's
-- safety_identifier / user), so spend can be grouped and filtered by it. The daily rollup keeps it
-- as a dimension ('' for calls that named none: a key column cannot be NULL).
ALTER TABLE usage_events ADD COLUMN end_user text;
CREATE INDEX usage_events_end_user ON usage_events (team_id, end_user, created_at) WHERE end_user IS NOT NULL;

ALTER TABLE usage_daily ADD COLUMN end_user text NOT NULL DEFAULT '';
ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_pkey;
ALTER TABLE usage_daily ADD PRIMARY KEY (day, team_id, key_id, task, model, provider, route, end_user);
