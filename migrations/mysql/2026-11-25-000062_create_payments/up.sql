CREATE TABLE payments (
    id VARCHAR(36) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    method VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency VARCHAR(3) NOT NULL,
    provider_order_id VARCHAR(64),
    provider_payment_id VARCHAR(64),
    refunded_minor BIGINT NOT NULL,
    flag_reason VARCHAR(500),
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY payments_order (order_id, created_at),
    UNIQUE KEY payments_provider_order (provider_order_id),
    UNIQUE KEY payments_provider_payment (provider_payment_id),
    CONSTRAINT payments_status CHECK (status IN ('created', 'authorized', 'captured', 'failed', 'flagged'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
