CREATE TABLE inventory_transfers (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    from_location_id VARCHAR(36) NOT NULL,
    to_location_id VARCHAR(36) NOT NULL,
    status VARCHAR(20) NOT NULL,
    reason VARCHAR(500),
    shipped_by VARCHAR(64) NOT NULL,
    shipped_at DATETIME(6) NOT NULL,
    received_by VARCHAR(64),
    received_at DATETIME(6),
    KEY inventory_transfers_status (status, id),
    CONSTRAINT inventory_transfers_status CHECK (status IN ('in_transit', 'received')),
    CONSTRAINT inventory_transfers_from_fk FOREIGN KEY (from_location_id) REFERENCES inventory_locations (id),
    CONSTRAINT inventory_transfers_to_fk FOREIGN KEY (to_location_id) REFERENCES inventory_locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
