CREATE TABLE inventory_transfer_lines (
    transfer_id VARCHAR(36) NOT NULL,
    variant_id VARCHAR(36) NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (transfer_id, variant_id),
    CONSTRAINT inventory_transfer_lines_quantity CHECK (quantity > 0),
    CONSTRAINT inventory_transfer_lines_transfer_fk FOREIGN KEY (transfer_id) REFERENCES inventory_transfers (id),
    CONSTRAINT inventory_transfer_lines_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
