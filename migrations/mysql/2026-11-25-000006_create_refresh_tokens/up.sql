CREATE TABLE refresh_tokens (
    token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    family_id VARCHAR(36) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    rotated_at DATETIME(6),
    revoked_at DATETIME(6),
    ip VARCHAR(64),
    user_agent VARCHAR(255),
    INDEX refresh_tokens_family (family_id),
    INDEX refresh_tokens_user (user_id),
    CONSTRAINT refresh_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
