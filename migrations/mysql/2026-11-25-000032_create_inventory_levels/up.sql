CREATE TABLE inventory_levels (
    variant_id VARCHAR(36) NOT NULL,
    location_id VARCHAR(36) NOT NULL,
    on_hand BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (variant_id, location_id),
    KEY inventory_levels_location (location_id, variant_id),
    CONSTRAINT inventory_levels_not_negative CHECK (reserved >= 0 AND on_hand - reserved >= 0),
    CONSTRAINT inventory_levels_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id),
    CONSTRAINT inventory_levels_location_fk FOREIGN KEY (location_id) REFERENCES inventory_locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
