-- The dashboard (issue 23) shows how many calls were billed from Tollgate's estimate (no usage from
-- the upstream) beside the unpriced ones: the daily rollup counts them too, so reports over whole
-- days answer it without reading the raw events.
ALTER TABLE usage_daily ADD COLUMN estimated_requests bigint NOT NULL DEFAULT 0;

UPDATE usage_daily d SET estimated_requests = e.estimated
FROM (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, team_id, key_id, task, served_model AS model, provider, route,
        coalesce(end_user, '') AS end_user, count(*) AS estimated
    FROM usage_events
    WHERE usage_estimated
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
) e
WHERE d.day = e.day AND d.team_id = e.team_id AND d.key_id = e.key_id AND d.task = e.task AND d.model = e.model
    AND d.provider = e.provider AND d.route = e.route AND d.end_user = e.end_user;
