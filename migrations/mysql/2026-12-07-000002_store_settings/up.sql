-- The store's profile as the merchant saved it in the back office (JSON), which wins over
-- the configuration; `version` lets every instance notice a change with one small read.
CREATE TABLE store_settings (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    updated_by VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
