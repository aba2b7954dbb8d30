CREATE TABLE inventory_reservation_lines (
    reservation_id VARCHAR(36) NOT NULL,
    variant_id VARCHAR(36) NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (reservation_id, variant_id),
    CONSTRAINT inventory_reservation_lines_quantity CHECK (quantity > 0),
    CONSTRAINT inventory_reservation_lines_reservation_fk FOREIGN KEY (reservation_id) REFERENCES inventory_reservations (id),
    CONSTRAINT inventory_reservation_lines_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
