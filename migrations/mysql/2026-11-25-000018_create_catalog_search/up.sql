CREATE TABLE catalog_search (
    product_id VARCHAR(36) NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    codes TEXT NOT NULL,
    FULLTEXT KEY catalog_search_text (name, description, codes)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
