CREATE TABLE invoices (
    id VARCHAR(36) NOT NULL,
    number VARCHAR(16) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    order_invoice VARCHAR(36),
    invoice_id VARCHAR(36),
    financial_year VARCHAR(4) NOT NULL,
    grand_total_minor BIGINT NOT NULL,
    document MEDIUMTEXT NOT NULL,
    issued_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY invoices_number (number),
    UNIQUE KEY invoices_order_invoice (order_invoice),
    KEY invoices_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
