-- One row per product and per category it is listed under: each category it was put in
-- and every ancestor of those. A category page (its sub-categories included) is then one
-- index range scan in the page's sort order, not a subtree expanded into product ids and
-- sorted. Kept by the catalog in the same transaction as the product, its categories
-- and the category tree; status, lowest price and name are copies of the product's.
CREATE TABLE catalog_listing (
    category_id VARCHAR(36) NOT NULL,
    product_id VARCHAR(36) NOT NULL,
    status VARCHAR(16) NOT NULL,
    min_price BIGINT NOT NULL,
    name VARCHAR(200) NOT NULL COLLATE utf8mb4_unicode_ci,
    PRIMARY KEY (category_id, product_id),
    KEY catalog_listing_newest (category_id, status, product_id),
    KEY catalog_listing_price (category_id, status, min_price, product_id),
    KEY catalog_listing_name (category_id, status, name, product_id),
    KEY catalog_listing_product (product_id),
    CONSTRAINT catalog_listing_category_fk FOREIGN KEY (category_id) REFERENCES catalog_categories (id) ON DELETE CASCADE,
    CONSTRAINT catalog_listing_product_fk FOREIGN KEY (product_id) REFERENCES catalog_products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO catalog_listing (category_id, product_id, status, min_price, name)
SELECT DISTINCT a.id, p.id, p.status, p.min_price, p.name
FROM catalog_product_categories pc
JOIN catalog_categories c ON c.id = pc.category_id
JOIN catalog_categories a ON SUBSTR(c.path, 1, LENGTH(a.path)) = a.path
JOIN catalog_products p ON p.id = pc.product_id;
