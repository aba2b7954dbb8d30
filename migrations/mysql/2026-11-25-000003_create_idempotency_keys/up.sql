CREATE TABLE idempotency_keys (
    scope VARCHAR(100) NOT NULL,
    idem_key VARCHAR(255) NOT NULL,
    request_hash VARCHAR(64) NOT NULL,
    state VARCHAR(16) NOT NULL,
    response_status INTEGER,
    response_body MEDIUMTEXT,
    locked_until DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    PRIMARY KEY (scope, idem_key),
    INDEX idempotency_keys_expiry (expires_at),
    CONSTRAINT idempotency_state CHECK (state IN ('in_progress', 'completed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
