CREATE TABLE order_events (
    id VARCHAR(36) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    from_status VARCHAR(24),
    to_status VARCHAR(24) NOT NULL,
    actor VARCHAR(36) NOT NULL,
    note VARCHAR(500),
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY order_events_order (order_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
