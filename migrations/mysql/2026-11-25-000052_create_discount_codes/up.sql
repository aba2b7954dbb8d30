CREATE TABLE discount_codes (
    id VARCHAR(36) NOT NULL,
    code VARCHAR(40) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    value BIGINT NOT NULL,
    min_order_minor BIGINT NOT NULL,
    starts_at DATETIME(6),
    ends_at DATETIME(6),
    max_uses BIGINT,
    max_uses_per_customer BIGINT,
    used_count BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY discount_codes_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
