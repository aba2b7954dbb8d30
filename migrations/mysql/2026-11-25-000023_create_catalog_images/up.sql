CREATE TABLE catalog_images (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    product_id VARCHAR(36) NOT NULL,
    blob_key VARCHAR(200) NOT NULL,
    content_type VARCHAR(40) NOT NULL,
    size_bytes BIGINT NOT NULL,
    alt VARCHAR(200) NOT NULL DEFAULT '',
    position INT NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    KEY catalog_images_product (product_id, position),
    CONSTRAINT catalog_images_product_fk FOREIGN KEY (product_id) REFERENCES catalog_products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
