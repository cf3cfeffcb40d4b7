-- Daily rollup of usage_events, updated in the same transaction as each batch of events, so spend
-- reports over whole days and budget checks never scan raw events.
CREATE TABLE usage_daily (
    day                 date    NOT NULL,
    team_id             uuid    NOT NULL,
    key_id              uuid    NOT NULL,
    task                text    NOT NULL,
    model               text    NOT NULL,
    provider            text    NOT NULL,
    requests            bigint  NOT NULL,
    input_tokens        bigint  NOT NULL,
    cached_input_tokens bigint  NOT NULL,
    cache_write_tokens  bigint  NOT NULL,
    output_tokens       bigint  NOT NULL,
    reasoning_tokens    bigint  NOT NULL,
    cost_usd            numeric(24, 12) NOT NULL,
    unpriced_requests   bigint  NOT NULL,
    PRIMARY KEY (day, team_id, key_id, task, model, provider)
);

CREATE INDEX usage_daily_team_day_idx ON usage_daily (team_id, day);
