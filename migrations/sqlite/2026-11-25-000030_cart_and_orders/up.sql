-- Carts, discount codes and the POS (cart domain); orders, their timeline, invoices
-- and returns (orders domain).
CREATE TABLE carts (
    id TEXT NOT NULL,
    token_hash TEXT,
    customer_id TEXT,
    channel TEXT NOT NULL,
    register_session_id TEXT,
    status TEXT NOT NULL,
    order_id TEXT,
    discount_code TEXT,
    details TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX carts_token ON carts (token_hash);
CREATE INDEX carts_customer ON carts (customer_id, channel, status);
CREATE INDEX carts_session ON carts (register_session_id, status);
CREATE TABLE cart_lines (
    cart_id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cart_id, variant_id)
);
CREATE TABLE discount_codes (
    id TEXT NOT NULL,
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    value BIGINT NOT NULL,
    min_order_minor BIGINT NOT NULL,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    max_uses BIGINT,
    max_uses_per_customer BIGINT,
    used_count BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX discount_codes_code ON discount_codes (code);
CREATE TABLE discount_redemptions (
    id TEXT NOT NULL,
    discount_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    customer_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX discount_redemptions_order ON discount_redemptions (order_id);
CREATE INDEX discount_redemptions_customer ON discount_redemptions (discount_id, customer_id);
CREATE TABLE pos_registers (
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    location_id TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX pos_registers_name ON pos_registers (name);
CREATE TABLE pos_sessions (
    id TEXT NOT NULL,
    register_id TEXT NOT NULL,
    open_register_id TEXT,
    status TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    opening_float_minor BIGINT NOT NULL,
    closed_by TEXT,
    closed_at TIMESTAMP,
    counted_cash_minor BIGINT,
    expected_cash_minor BIGINT,
    report TEXT,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX pos_sessions_open ON pos_sessions (open_register_id);
CREATE INDEX pos_sessions_register ON pos_sessions (register_id, opened_at);
CREATE TABLE pos_tenders (
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    tendered_minor BIGINT NOT NULL,
    reference TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX pos_tenders_session ON pos_tenders (session_id, kind);
CREATE INDEX pos_tenders_order ON pos_tenders (order_id);
CREATE TABLE orders (
    id TEXT NOT NULL,
    number TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    customer_id TEXT,
    location_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL,
    tax_minor BIGINT NOT NULL,
    grand_total_minor BIGINT NOT NULL,
    refunded_minor BIGINT NOT NULL,
    details TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX orders_number ON orders (number);
CREATE INDEX orders_status ON orders (status, created_at);
CREATE INDEX orders_customer ON orders (customer_id, id);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE TABLE order_lines (
    order_id TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    variant_id TEXT NOT NULL,
    seller_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    hsn TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL,
    rate_bp INTEGER NOT NULL,
    taxable_minor BIGINT NOT NULL,
    cgst_minor BIGINT NOT NULL,
    sgst_minor BIGINT NOT NULL,
    igst_minor BIGINT NOT NULL,
    fulfilled_quantity BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_lines_seller ON order_lines (seller_id, order_id);
CREATE TABLE order_events (
    id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX order_events_order ON order_events (order_id, created_at);
CREATE TABLE invoices (
    id TEXT NOT NULL,
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    order_id TEXT NOT NULL,
    order_invoice TEXT,
    invoice_id TEXT,
    financial_year TEXT NOT NULL,
    grand_total_minor BIGINT NOT NULL,
    document TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX invoices_number ON invoices (number);
CREATE UNIQUE INDEX invoices_order_invoice ON invoices (order_invoice);
CREATE INDEX invoices_order ON invoices (order_id);
CREATE TABLE order_returns (
    id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    items TEXT NOT NULL,
    refund_minor BIGINT NOT NULL,
    location_id TEXT,
    disposition TEXT,
    credit_note_id TEXT,
    exchange_order_id TEXT,
    requested_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX order_returns_order ON order_returns (order_id, created_at);
CREATE INDEX order_returns_status ON order_returns (status, id);
