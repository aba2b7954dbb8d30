-- Refunds of captured payments. The id is also the provider's idempotency key, so a
-- retried refund call never refunds twice.
CREATE TABLE payment_refunds (
    id TEXT NOT NULL PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    order_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'failed')),
    provider_refund_id TEXT,
    reason TEXT,
    return_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_refunds_payment ON payment_refunds (payment_id, created_at);
