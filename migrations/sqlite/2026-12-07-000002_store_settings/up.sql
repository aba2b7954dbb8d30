-- The store's profile as the merchant saved it in the back office (JSON), which wins over
-- the configuration; `version` lets every instance notice a change with one small read.
CREATE TABLE store_settings (
    id TEXT NOT NULL PRIMARY KEY,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
