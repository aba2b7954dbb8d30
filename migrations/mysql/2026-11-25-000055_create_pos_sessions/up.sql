CREATE TABLE pos_sessions (
    id VARCHAR(36) NOT NULL,
    register_id VARCHAR(36) NOT NULL,
    open_register_id VARCHAR(36),
    status VARCHAR(16) NOT NULL,
    opened_by VARCHAR(36) NOT NULL,
    opened_at DATETIME(6) NOT NULL,
    opening_float_minor BIGINT NOT NULL,
    closed_by VARCHAR(36),
    closed_at DATETIME(6),
    counted_cash_minor BIGINT,
    expected_cash_minor BIGINT,
    report TEXT,
    PRIMARY KEY (id),
    UNIQUE KEY pos_sessions_open (open_register_id),
    KEY pos_sessions_register (register_id, opened_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
