CREATE TABLE inventory_reservations (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    reference VARCHAR(120) NOT NULL,
    location_id VARCHAR(36) NOT NULL,
    status VARCHAR(16) NOT NULL,
    expires_at DATETIME(6),
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY inventory_reservations_reference (reference),
    KEY inventory_reservations_expiry (status, expires_at),
    CONSTRAINT inventory_reservations_status CHECK (status IN ('active', 'committed', 'released')),
    CONSTRAINT inventory_reservations_location_fk FOREIGN KEY (location_id) REFERENCES inventory_locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
