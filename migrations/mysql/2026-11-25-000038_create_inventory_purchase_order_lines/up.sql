CREATE TABLE inventory_purchase_order_lines (
    purchase_order_id VARCHAR(36) NOT NULL,
    variant_id VARCHAR(36) NOT NULL,
    quantity_ordered BIGINT NOT NULL,
    quantity_received BIGINT NOT NULL DEFAULT 0,
    unit_cost BIGINT NOT NULL,
    position INT NOT NULL,
    PRIMARY KEY (purchase_order_id, variant_id),
    CONSTRAINT inventory_po_lines_quantities CHECK (quantity_ordered > 0 AND quantity_received >= 0),
    CONSTRAINT inventory_po_lines_cost CHECK (unit_cost >= 0),
    CONSTRAINT inventory_po_lines_po_fk FOREIGN KEY (purchase_order_id) REFERENCES inventory_purchase_orders (id),
    CONSTRAINT inventory_po_lines_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
