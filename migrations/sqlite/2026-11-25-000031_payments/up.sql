-- Payments of orders (one row per attempt with a provider order) and the webhooks
-- received, kept by event id so a replayed event is recognised.
CREATE TABLE payments (
    id TEXT NOT NULL PRIMARY KEY,
    order_id TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('created', 'authorized', 'captured', 'failed', 'flagged')),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    provider_order_id TEXT,
    provider_payment_id TEXT,
    refunded_minor BIGINT NOT NULL,
    flag_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_order ON payments (order_id, created_at);
CREATE UNIQUE INDEX payments_provider_order ON payments (provider_order_id);
CREATE UNIQUE INDEX payments_provider_payment ON payments (provider_payment_id);
CREATE TABLE payment_webhooks (
    event_id TEXT NOT NULL PRIMARY KEY,
    provider TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
