-- Shipments of orders.
CREATE TABLE shipments (
    id VARCHAR(36) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    number VARCHAR(40) NOT NULL,
    status VARCHAR(24) NOT NULL,
    carrier VARCHAR(40) NOT NULL,
    tracking_number VARCHAR(64),
    location_id VARCHAR(36) NOT NULL,
    details TEXT NOT NULL,
    created_by VARCHAR(64) NOT NULL,
    status_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY shipments_number (number),
    UNIQUE KEY shipments_tracking (carrier, tracking_number),
    KEY shipments_order (order_id),
    CONSTRAINT shipments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
