PRAGMA foreign_keys = OFF;
BEGIN;
-- Purchase orders: `ordered` becomes `sent`.
CREATE TABLE inventory_purchase_orders_new (
    id TEXT PRIMARY KEY NOT NULL,
    supplier_id TEXT NOT NULL REFERENCES inventory_suppliers (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'partially_received',
        'received', 'cancelled')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO inventory_purchase_orders_new
    SELECT id, supplier_id, CASE status WHEN 'ordered' THEN 'sent' ELSE status END,
        created_by, created_at, updated_at
    FROM inventory_purchase_orders;
DROP TABLE inventory_purchase_orders;
ALTER TABLE inventory_purchase_orders_new RENAME TO inventory_purchase_orders;
CREATE INDEX inventory_purchase_orders_status ON inventory_purchase_orders (status, id);

-- Days from sending an order to the goods arriving; reorder suggestions cover them.
ALTER TABLE inventory_suppliers ADD COLUMN lead_time_days INTEGER;

-- Stock shipped from one location and (later) received at another.
CREATE TABLE inventory_transfers (
    id TEXT PRIMARY KEY NOT NULL,
    from_location_id TEXT NOT NULL REFERENCES inventory_locations (id),
    to_location_id TEXT NOT NULL REFERENCES inventory_locations (id),
    status TEXT NOT NULL CHECK (status IN ('in_transit', 'received')),
    reason TEXT,
    shipped_by TEXT NOT NULL,
    shipped_at TIMESTAMP NOT NULL,
    received_by TEXT,
    received_at TIMESTAMP
);
CREATE INDEX inventory_transfers_status ON inventory_transfers (status, id);

CREATE TABLE inventory_transfer_lines (
    transfer_id TEXT NOT NULL REFERENCES inventory_transfers (id),
    variant_id TEXT NOT NULL REFERENCES catalog_variants (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (transfer_id, variant_id)
);

-- Available at or below the threshold is low stock.
CREATE TABLE inventory_thresholds (
    variant_id TEXT NOT NULL REFERENCES catalog_variants (id),
    location_id TEXT NOT NULL REFERENCES inventory_locations (id),
    threshold BIGINT NOT NULL CHECK (threshold >= 0),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (variant_id, location_id)
);
CREATE INDEX inventory_thresholds_location ON inventory_thresholds (location_id, variant_id);
COMMIT;
PRAGMA foreign_keys = ON;
