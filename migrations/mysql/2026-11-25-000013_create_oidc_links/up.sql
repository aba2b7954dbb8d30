CREATE TABLE oidc_links (
    token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    issuer VARCHAR(255) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    email VARCHAR(254) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    CONSTRAINT oidc_links_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
