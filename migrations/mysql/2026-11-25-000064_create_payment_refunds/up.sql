CREATE TABLE payment_refunds (
    id VARCHAR(64) NOT NULL,
    payment_id VARCHAR(36) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    amount_minor BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    provider_refund_id VARCHAR(64),
    reason VARCHAR(500),
    return_id VARCHAR(36),
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY payment_refunds_payment (payment_id, created_at),
    CONSTRAINT payment_refunds_payment_fk FOREIGN KEY (payment_id) REFERENCES payments (id),
    CONSTRAINT payment_refunds_amount CHECK (amount_minor > 0),
    CONSTRAINT payment_refunds_status CHECK (status IN ('pending', 'processed', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
