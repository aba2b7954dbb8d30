CREATE TABLE catalog_product_categories (
    product_id VARCHAR(36) NOT NULL,
    category_id VARCHAR(36) NOT NULL,
    PRIMARY KEY (product_id, category_id),
    KEY catalog_product_categories_category (category_id, product_id),
    CONSTRAINT catalog_pc_product_fk FOREIGN KEY (product_id) REFERENCES catalog_products (id) ON DELETE CASCADE,
    CONSTRAINT catalog_pc_category_fk FOREIGN KEY (category_id) REFERENCES catalog_categories (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
