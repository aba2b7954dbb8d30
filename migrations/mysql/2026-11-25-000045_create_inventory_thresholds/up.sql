CREATE TABLE inventory_thresholds (
    variant_id VARCHAR(36) NOT NULL,
    location_id VARCHAR(36) NOT NULL,
    threshold BIGINT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (variant_id, location_id),
    KEY inventory_thresholds_location (location_id, variant_id),
    CONSTRAINT inventory_thresholds_threshold CHECK (threshold >= 0),
    CONSTRAINT inventory_thresholds_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id),
    CONSTRAINT inventory_thresholds_location_fk FOREIGN KEY (location_id) REFERENCES inventory_locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
