-- Reporting facts kept by the analytics domain from `orders.document_issued`: one row per
-- invoice or credit note (with its tax by HSN and rate, for GST returns) and daily
-- aggregates by channel, by variant and by payment method, so a report over a year reads
-- a few hundred rows. `kirana analytics rebuild` recomputes all of it.
CREATE TABLE analytics_documents (
    id TEXT NOT NULL PRIMARY KEY,
    day DATE NOT NULL,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    channel TEXT NOT NULL,
    customer_id TEXT,
    buyer_gstin TEXT,
    place_of_supply TEXT NOT NULL,
    taxable_minor BIGINT NOT NULL,
    cgst_minor BIGINT NOT NULL,
    sgst_minor BIGINT NOT NULL,
    igst_minor BIGINT NOT NULL,
    union_territory BOOLEAN NOT NULL,
    grand_total_minor BIGINT NOT NULL
);
CREATE INDEX analytics_documents_day ON analytics_documents (day, kind);
CREATE TABLE analytics_document_rates (
    document_id TEXT NOT NULL,
    hsn TEXT NOT NULL,
    rate_bp INTEGER NOT NULL,
    quantity BIGINT NOT NULL,
    taxable_minor BIGINT NOT NULL,
    cgst_minor BIGINT NOT NULL,
    sgst_minor BIGINT NOT NULL,
    igst_minor BIGINT NOT NULL,
    PRIMARY KEY (document_id, hsn, rate_bp)
);
CREATE TABLE analytics_daily (
    day DATE NOT NULL,
    channel TEXT NOT NULL,
    orders BIGINT NOT NULL,
    units BIGINT NOT NULL,
    gross_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL,
    taxable_minor BIGINT NOT NULL,
    tax_minor BIGINT NOT NULL,
    invoiced_minor BIGINT NOT NULL,
    credit_notes BIGINT NOT NULL,
    returned_minor BIGINT NOT NULL,
    returned_taxable_minor BIGINT NOT NULL,
    returned_tax_minor BIGINT NOT NULL,
    PRIMARY KEY (day, channel)
);
CREATE TABLE analytics_variant_daily (
    day DATE NOT NULL,
    channel TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    seller_id TEXT NOT NULL,
    units BIGINT NOT NULL,
    gross_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL,
    net_minor BIGINT NOT NULL,
    returned_units BIGINT NOT NULL,
    returned_minor BIGINT NOT NULL,
    PRIMARY KEY (day, channel, variant_id)
);
CREATE TABLE analytics_payment_daily (
    day DATE NOT NULL,
    method TEXT NOT NULL,
    invoices BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (day, method)
);
