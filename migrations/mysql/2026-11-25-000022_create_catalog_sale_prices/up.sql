CREATE TABLE catalog_sale_prices (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    variant_id VARCHAR(36) NOT NULL,
    price BIGINT NOT NULL,
    starts_at DATETIME(6) NOT NULL,
    ends_at DATETIME(6),
    created_at DATETIME(6) NOT NULL,
    KEY catalog_sale_prices_variant (variant_id, starts_at),
    CONSTRAINT catalog_sale_prices_price CHECK (price >= 0),
    CONSTRAINT catalog_sale_prices_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
