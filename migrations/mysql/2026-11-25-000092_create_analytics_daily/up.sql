CREATE TABLE analytics_daily (
    day DATE NOT NULL,
    channel VARCHAR(8) NOT NULL,
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
