CREATE TABLE outbox (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    event_type VARCHAR(100) NOT NULL,
    aggregate_id VARCHAR(64),
    payload MEDIUMTEXT NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6) NOT NULL,
    locked_until DATETIME(6),
    last_error TEXT,
    created_at DATETIME(6) NOT NULL,
    delivered_at DATETIME(6),
    INDEX outbox_due (status, next_attempt_at),
    CONSTRAINT outbox_status CHECK (status IN ('pending', 'delivered', 'parked'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
