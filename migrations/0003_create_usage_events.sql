-- One narrow row per request attempt that reached an upstream; (request_id, attempt) makes writes
-- idempotent. cost_usd is NULL for a model without a price: never a silent zero.
CREATE TABLE usage_events (
    request_id            text        NOT NULL,
    attempt               integer     NOT NULL,
    created_at            timestamptz NOT NULL,
    team_id               uuid        NOT NULL,
    key_id                uuid        NOT NULL,
    task                  text        NOT NULL,
    requested_model       text        NOT NULL,
    served_model          text        NOT NULL,
    provider              text        NOT NULL,
    uncached_input_tokens bigint      NOT NULL,
    cache_read_tokens     bigint      NOT NULL,
    cache_write_tokens    bigint      NOT NULL,
    output_tokens         bigint      NOT NULL,
    reasoning_tokens      bigint      NOT NULL,
    cost_usd              numeric(24, 12),
    status                integer     NOT NULL,
    latency_ms            integer     NOT NULL,
    streamed              boolean     NOT NULL,
    usage_estimated       boolean     NOT NULL,
    downgraded_from       text,
    PRIMARY KEY (request_id, attempt)
);

CREATE INDEX usage_events_team_time_idx ON usage_events (team_id, created_at);
CREATE INDEX usage_events_time_idx ON usage_events (created_at);
