-- Shipping zones with their rate rules (JSON, see the shipping domain's rates module),
-- shipments of orders, and their tracking timelines.
CREATE TABLE shipping_zones (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    active BOOLEAN NOT NULL,
    area TEXT NOT NULL,
    rates TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Until the merchant sets up zones, all of India ships at the flat charge Kirana used
-- before zones existed: Rs 49, free from Rs 499.
INSERT INTO shipping_zones (id, name, position, active, area, rates, created_at, updated_at)
VALUES ('0193c0de-0000-7000-8000-000000000001', 'India', 100, 1,
        '{"country":"IN","states":[],"pincodes":[]}',
        '[{"name":"Standard","kind":"flat","amount_minor":4900,"free_above_minor":49900,"cod_available":true,"cod_surcharge_minor":0,"min_weight_grams":null,"max_weight_grams":null}]',
        CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
CREATE TABLE shipments (
    id TEXT NOT NULL PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    number TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    carrier TEXT NOT NULL,
    tracking_number TEXT,
    location_id TEXT NOT NULL,
    details TEXT NOT NULL,
    created_by TEXT NOT NULL,
    status_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX shipments_order ON shipments (order_id);
CREATE UNIQUE INDEX shipments_tracking ON shipments (carrier, tracking_number);
CREATE TABLE shipment_events (
    id TEXT NOT NULL PRIMARY KEY,
    shipment_id TEXT NOT NULL REFERENCES shipments (id),
    status TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    location TEXT,
    description TEXT,
    source TEXT NOT NULL,
    external_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX shipment_events_timeline ON shipment_events (shipment_id, occurred_at);
CREATE UNIQUE INDEX shipment_events_external ON shipment_events (source, external_id);
