CREATE TABLE oidc_logins (
    state_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    provider VARCHAR(32) NOT NULL,
    nonce VARCHAR(64) NOT NULL,
    code_verifier VARCHAR(128) NOT NULL,
    return_to VARCHAR(512) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    KEY oidc_logins_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
