CREATE TABLE carts (
    id VARCHAR(36) NOT NULL,
    token_hash VARCHAR(64),
    customer_id VARCHAR(36),
    channel VARCHAR(8) NOT NULL,
    register_session_id VARCHAR(36),
    status VARCHAR(16) NOT NULL,
    order_id VARCHAR(36),
    discount_code VARCHAR(40),
    details TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY carts_token (token_hash),
    KEY carts_customer (customer_id, channel, status),
    KEY carts_session (register_session_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
