-- Warehouses and shops that hold stock. Deactivated locations keep their history.
CREATE TABLE inventory_locations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('warehouse', 'shop')),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX inventory_locations_name ON inventory_locations (name);

-- One row per variant: totals over every location and the weighted-average unit cost.
-- Every stock change updates this row first, so changes to one variant queue on it.
CREATE TABLE inventory_items (
    variant_id TEXT PRIMARY KEY NOT NULL REFERENCES catalog_variants (id),
    on_hand BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0,
    avg_unit_cost BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    CHECK (reserved >= 0 AND on_hand - reserved >= 0)
);

-- Stock of a variant at a location; always the sum of its movements.
CREATE TABLE inventory_levels (
    variant_id TEXT NOT NULL REFERENCES catalog_variants (id),
    location_id TEXT NOT NULL REFERENCES inventory_locations (id),
    on_hand BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (variant_id, location_id),
    CHECK (reserved >= 0 AND on_hand - reserved >= 0)
);
CREATE INDEX inventory_levels_location ON inventory_levels (location_id, variant_id);

-- The append-only stock ledger.
CREATE TABLE inventory_movements (
    id TEXT PRIMARY KEY NOT NULL,
    variant_id TEXT NOT NULL REFERENCES catalog_variants (id),
    location_id TEXT NOT NULL REFERENCES inventory_locations (id),
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'sale', 'return', 'adjustment',
        'transfer_out', 'transfer_in', 'reservation', 'release')),
    on_hand_delta BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    unit_cost BIGINT,
    reason TEXT,
    reference TEXT,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inventory_movements_variant ON inventory_movements (variant_id, id);
CREATE INDEX inventory_movements_location ON inventory_movements (location_id, id);
CREATE INDEX inventory_movements_reference ON inventory_movements (reference);

-- A reservation per reference (an order id): all its lines or none.
CREATE TABLE inventory_reservations (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    location_id TEXT NOT NULL REFERENCES inventory_locations (id),
    status TEXT NOT NULL CHECK (status IN ('active', 'committed', 'released')),
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inventory_reservations_expiry ON inventory_reservations (status, expires_at);

CREATE TABLE inventory_reservation_lines (
    reservation_id TEXT NOT NULL REFERENCES inventory_reservations (id),
    variant_id TEXT NOT NULL REFERENCES catalog_variants (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, variant_id)
);

CREATE TABLE inventory_suppliers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    gstin TEXT UNIQUE,
    contact_name TEXT,
    email TEXT,
    phone TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE inventory_purchase_orders (
    id TEXT PRIMARY KEY NOT NULL,
    supplier_id TEXT NOT NULL REFERENCES inventory_suppliers (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'ordered', 'partially_received',
        'received', 'cancelled')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inventory_purchase_orders_status ON inventory_purchase_orders (status, id);

CREATE TABLE inventory_purchase_order_lines (
    purchase_order_id TEXT NOT NULL REFERENCES inventory_purchase_orders (id),
    variant_id TEXT NOT NULL REFERENCES catalog_variants (id),
    quantity_ordered BIGINT NOT NULL CHECK (quantity_ordered > 0),
    quantity_received BIGINT NOT NULL DEFAULT 0 CHECK (quantity_received >= 0),
    unit_cost BIGINT NOT NULL CHECK (unit_cost >= 0),
    position INTEGER NOT NULL,
    PRIMARY KEY (purchase_order_id, variant_id)
);
