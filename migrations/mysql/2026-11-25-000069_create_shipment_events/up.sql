-- Tracking timelines; a carrier's event id is recorded once (a replay is a no-op).
CREATE TABLE shipment_events (
    id VARCHAR(36) NOT NULL,
    shipment_id VARCHAR(36) NOT NULL,
    status VARCHAR(24) NOT NULL,
    occurred_at DATETIME(6) NOT NULL,
    location VARCHAR(200),
    description VARCHAR(500),
    source VARCHAR(40) NOT NULL,
    external_id VARCHAR(100),
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY shipment_events_timeline (shipment_id, occurred_at),
    UNIQUE KEY shipment_events_external (source, external_id),
    CONSTRAINT shipment_events_shipment_fk FOREIGN KEY (shipment_id) REFERENCES shipments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
