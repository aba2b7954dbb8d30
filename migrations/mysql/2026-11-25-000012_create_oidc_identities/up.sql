CREATE TABLE oidc_identities (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    issuer VARCHAR(255) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    email VARCHAR(254),
    created_at DATETIME(6) NOT NULL,
    last_login_at DATETIME(6) NOT NULL,
    UNIQUE KEY oidc_identities_subject (issuer, subject),
    KEY oidc_identities_user (user_id),
    CONSTRAINT oidc_identities_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
