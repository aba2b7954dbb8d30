CREATE TABLE analytics_variant_monthly (
    month DATE NOT NULL,
    channel VARCHAR(8) NOT NULL,
    variant_id VARCHAR(36) NOT NULL,
    product_id VARCHAR(36) NOT NULL,
    seller_id VARCHAR(36) NOT NULL,
    units BIGINT NOT NULL,
    gross_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL,
    net_minor BIGINT NOT NULL,
    returned_units BIGINT NOT NULL,
    returned_minor BIGINT NOT NULL,
    PRIMARY KEY (month, channel, variant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
