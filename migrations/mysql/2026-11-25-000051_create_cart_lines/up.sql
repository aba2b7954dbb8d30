CREATE TABLE cart_lines (
    cart_id VARCHAR(36) NOT NULL,
    variant_id VARCHAR(36) NOT NULL,
    quantity BIGINT NOT NULL,
    added_at DATETIME(6) NOT NULL,
    PRIMARY KEY (cart_id, variant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
