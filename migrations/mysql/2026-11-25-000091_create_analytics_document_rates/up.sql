CREATE TABLE analytics_document_rates (
    document_id VARCHAR(36) NOT NULL,
    hsn VARCHAR(8) NOT NULL,
    rate_bp INT NOT NULL,
    quantity BIGINT NOT NULL,
    taxable_minor BIGINT NOT NULL,
    cgst_minor BIGINT NOT NULL,
    sgst_minor BIGINT NOT NULL,
    igst_minor BIGINT NOT NULL,
    PRIMARY KEY (document_id, hsn, rate_bp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
