CREATE TABLE order_returns (
    id VARCHAR(36) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    status VARCHAR(16) NOT NULL,
    reason VARCHAR(500) NOT NULL,
    items TEXT NOT NULL,
    refund_minor BIGINT NOT NULL,
    location_id VARCHAR(36),
    disposition VARCHAR(16),
    credit_note_id VARCHAR(36),
    exchange_order_id VARCHAR(36),
    requested_by VARCHAR(36) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY order_returns_order (order_id, created_at),
    KEY order_returns_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
