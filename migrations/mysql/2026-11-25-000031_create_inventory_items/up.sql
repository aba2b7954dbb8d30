CREATE TABLE inventory_items (
    variant_id VARCHAR(36) NOT NULL PRIMARY KEY,
    on_hand BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0,
    avg_unit_cost BIGINT NOT NULL DEFAULT 0,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT inventory_items_not_negative CHECK (reserved >= 0 AND on_hand - reserved >= 0),
    CONSTRAINT inventory_items_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
