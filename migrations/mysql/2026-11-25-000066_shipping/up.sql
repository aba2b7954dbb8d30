-- Shipping zones with their rate rules (JSON, see the shipping domain's rates module).
-- Until the merchant sets up zones, all of India ships at the flat charge Kirana used
-- before zones existed: Rs 49, free from Rs 499.
CREATE TABLE shipping_zones (
    id VARCHAR(36) NOT NULL,
    name VARCHAR(100) NOT NULL,
    position INT NOT NULL,
    active BOOLEAN NOT NULL,
    area TEXT NOT NULL,
    rates TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
