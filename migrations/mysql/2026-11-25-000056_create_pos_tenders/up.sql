CREATE TABLE pos_tenders (
    id VARCHAR(36) NOT NULL,
    session_id VARCHAR(36) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    kind VARCHAR(8) NOT NULL,
    amount_minor BIGINT NOT NULL,
    tendered_minor BIGINT NOT NULL,
    reference VARCHAR(100),
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY pos_tenders_session (session_id, kind),
    KEY pos_tenders_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
