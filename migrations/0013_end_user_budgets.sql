-- A key may cap what each of its end users spends a month (issue 22). Their spend is counted in
-- budget_spend under scope_kind 'end_user', with an id derived from the key and the end user
-- (md5 of '<key id>:<end user>' as a uuid), the same the gateway computes.
ALTER TABLE api_keys ADD COLUMN end_user_monthly_budget_usd numeric(24, 12) CHECK (end_user_monthly_budget_usd >= 0);

ALTER TABLE budget_spend DROP CONSTRAINT budget_spend_scope_kind_check;
ALTER TABLE budget_spend ADD CONSTRAINT budget_spend_scope_kind_check CHECK (scope_kind IN ('team', 'key', 'end_user'));
