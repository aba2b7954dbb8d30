CREATE TABLE discount_redemptions (
    id VARCHAR(36) NOT NULL,
    discount_id VARCHAR(36) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    customer_id VARCHAR(36),
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY discount_redemptions_order (order_id),
    KEY discount_redemptions_customer (discount_id, customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
