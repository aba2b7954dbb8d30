CREATE TABLE catalog_price_list_prices (
    price_list_id VARCHAR(36) NOT NULL,
    variant_id VARCHAR(36) NOT NULL,
    price BIGINT NOT NULL,
    PRIMARY KEY (price_list_id, variant_id),
    KEY catalog_price_list_prices_variant (variant_id),
    CONSTRAINT catalog_plp_price CHECK (price >= 0),
    CONSTRAINT catalog_plp_list_fk FOREIGN KEY (price_list_id) REFERENCES catalog_price_lists (id) ON DELETE CASCADE,
    CONSTRAINT catalog_plp_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
