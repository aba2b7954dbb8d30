CREATE TABLE catalog_collection_products (
    collection_id VARCHAR(36) NOT NULL,
    product_id VARCHAR(36) NOT NULL,
    position INT NOT NULL,
    PRIMARY KEY (collection_id, product_id),
    KEY catalog_collection_products_product (product_id),
    CONSTRAINT catalog_cp_collection_fk FOREIGN KEY (collection_id) REFERENCES catalog_collections (id) ON DELETE CASCADE,
    CONSTRAINT catalog_cp_product_fk FOREIGN KEY (product_id) REFERENCES catalog_products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
