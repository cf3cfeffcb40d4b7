-- Usage events PostgreSQL refused for what they hold (a cost past numeric(24, 12), text it cannot
-- store): set aside one by one, with the error and the event as JSON, so the batch they came in is
-- written without them and nothing is lost. `json`, not `jsonb`, so any line can be kept as it was.
CREATE TABLE usage_rejects (
    id          bigserial   PRIMARY KEY,
    request_id  text        NOT NULL,
    attempt     integer     NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    error       text        NOT NULL,
    event       json        NOT NULL,
    UNIQUE (request_id, attempt)
);
