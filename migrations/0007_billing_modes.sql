-- What a call's price depends on besides its token buckets, kept on each usage row so history can
-- be repriced: Anthropic's 1-hour cache writes (billed above 5-minute ones), the service tier the
-- provider reported (priority, flex, …), and Qwen's thinking mode.
ALTER TABLE usage_events
    ADD COLUMN cache_write_1h_tokens bigint  NOT NULL DEFAULT 0,
    ADD COLUMN service_tier          text,
    ADD COLUMN thinking              boolean NOT NULL DEFAULT false;
