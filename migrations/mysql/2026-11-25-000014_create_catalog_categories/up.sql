CREATE TABLE catalog_categories (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    parent_id VARCHAR(36),
    name VARCHAR(120) NOT NULL,
    slug VARCHAR(120) NOT NULL,
    position INT NOT NULL DEFAULT 0,
    path VARCHAR(400) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY catalog_categories_slug (slug),
    KEY catalog_categories_parent (parent_id, position),
    KEY catalog_categories_path (path),
    CONSTRAINT catalog_categories_parent_fk FOREIGN KEY (parent_id) REFERENCES catalog_categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
