-- Idempotent retries: a request with an Idempotency-Key is executed at most once per key and API
-- key within its lifetime; its answer (a non-streamed one) is kept for replay.
CREATE TABLE idempotency_keys (
    key_id          uuid        NOT NULL,
    idempotency_key text        NOT NULL,
    body_hash       bytea       NOT NULL,
    request_id      text        NOT NULL,
    streamed        boolean     NOT NULL,
    done            boolean     NOT NULL DEFAULT false,
    status          integer,
    content_type    text,
    body            bytea,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
);

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
