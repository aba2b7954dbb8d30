CREATE TABLE pos_registers (
    id VARCHAR(36) NOT NULL,
    name VARCHAR(100) NOT NULL,
    location_id VARCHAR(36) NOT NULL,
    active BOOLEAN NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY pos_registers_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
