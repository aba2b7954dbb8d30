-- Hand-picked sets of products for merchandising ("Diwali specials"), in the
-- merchant's order.
CREATE TABLE catalog_collections (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE catalog_collection_products (
    collection_id TEXT NOT NULL REFERENCES catalog_collections (id) ON DELETE CASCADE,
    product_id TEXT NOT NULL REFERENCES catalog_products (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (collection_id, product_id)
);
CREATE INDEX catalog_collection_products_product ON catalog_collection_products (product_id);
