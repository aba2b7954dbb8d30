CREATE TABLE analytics_documents (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    day DATE NOT NULL,
    kind VARCHAR(16) NOT NULL,
    number VARCHAR(40) NOT NULL,
    channel VARCHAR(8) NOT NULL,
    customer_id VARCHAR(36),
    buyer_gstin VARCHAR(15),
    place_of_supply VARCHAR(2) NOT NULL,
    taxable_minor BIGINT NOT NULL,
    cgst_minor BIGINT NOT NULL,
    sgst_minor BIGINT NOT NULL,
    igst_minor BIGINT NOT NULL,
    union_territory BOOLEAN NOT NULL,
    grand_total_minor BIGINT NOT NULL,
    KEY analytics_documents_day (day, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
