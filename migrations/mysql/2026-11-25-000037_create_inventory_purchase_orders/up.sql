CREATE TABLE inventory_purchase_orders (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    supplier_id VARCHAR(36) NOT NULL,
    status VARCHAR(20) NOT NULL,
    created_by VARCHAR(36) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    KEY inventory_purchase_orders_status (status, id),
    CONSTRAINT inventory_purchase_orders_status CHECK (status IN ('draft', 'ordered',
        'partially_received', 'received', 'cancelled')),
    CONSTRAINT inventory_purchase_orders_supplier_fk FOREIGN KEY (supplier_id) REFERENCES inventory_suppliers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
