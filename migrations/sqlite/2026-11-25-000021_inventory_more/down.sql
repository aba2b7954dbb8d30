PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE inventory_thresholds;
DROP TABLE inventory_transfer_lines;
DROP TABLE inventory_transfers;
ALTER TABLE inventory_suppliers DROP COLUMN lead_time_days;
CREATE TABLE inventory_purchase_orders_old (
    id TEXT PRIMARY KEY NOT NULL,
    supplier_id TEXT NOT NULL REFERENCES inventory_suppliers (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'ordered', 'partially_received',
        'received', 'cancelled')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO inventory_purchase_orders_old
    SELECT id, supplier_id, CASE status WHEN 'sent' THEN 'ordered' ELSE status END,
        created_by, created_at, updated_at
    FROM inventory_purchase_orders;
DROP TABLE inventory_purchase_orders;
ALTER TABLE inventory_purchase_orders_old RENAME TO inventory_purchase_orders;
CREATE INDEX inventory_purchase_orders_status ON inventory_purchase_orders (status, id);
COMMIT;
PRAGMA foreign_keys = ON;
