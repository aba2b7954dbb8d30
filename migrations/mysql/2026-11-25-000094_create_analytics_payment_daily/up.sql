CREATE TABLE analytics_payment_daily (
    day DATE NOT NULL,
    method VARCHAR(16) NOT NULL,
    invoices BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (day, method)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
