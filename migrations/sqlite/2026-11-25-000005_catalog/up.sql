-- A category tree; `path` lists the ids from the root down to this one ("/a/b/"), so a
-- subtree is a prefix match and a move can refuse to go under its own descendant.
CREATE TABLE catalog_categories (
    id TEXT PRIMARY KEY NOT NULL,
    parent_id TEXT REFERENCES catalog_categories (id),
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0,
    path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX catalog_categories_parent ON catalog_categories (parent_id, position);
CREATE INDEX catalog_categories_path ON catalog_categories (path);

CREATE TABLE catalog_products (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    -- Case-insensitive, as on MySQL, so sorting by name agrees on both backends.
    name TEXT NOT NULL COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    seller_id TEXT NOT NULL REFERENCES users (id),
    hsn_code TEXT NOT NULL,
    gst_rate_bp INTEGER NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',
    -- Kept from the variants on every write, for sorting and price filters.
    min_price BIGINT NOT NULL DEFAULT 0,
    max_price BIGINT NOT NULL DEFAULT 0,
    -- Kept from inventory's StockChanged events.
    in_stock BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX catalog_products_status_id ON catalog_products (status, id);
CREATE INDEX catalog_products_status_price ON catalog_products (status, min_price, id);
CREATE INDEX catalog_products_status_name ON catalog_products (status, name, id);
CREATE INDEX catalog_products_seller ON catalog_products (seller_id, id);

CREATE TABLE catalog_variants (
    id TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES catalog_products (id),
    sku TEXT NOT NULL UNIQUE,
    barcode TEXT UNIQUE,
    title TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    price BIGINT NOT NULL CHECK (price >= 0),
    compare_at_price BIGINT,
    weight_grams INTEGER NOT NULL DEFAULT 0,
    length_mm INTEGER,
    width_mm INTEGER,
    height_mm INTEGER,
    position INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    available BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX catalog_variants_product ON catalog_variants (product_id, position);

CREATE TABLE catalog_product_categories (
    product_id TEXT NOT NULL REFERENCES catalog_products (id) ON DELETE CASCADE,
    category_id TEXT NOT NULL REFERENCES catalog_categories (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, category_id)
);
CREATE INDEX catalog_product_categories_category ON catalog_product_categories (category_id, product_id);

-- Full-text search over name, description and codes (SKUs and barcodes), kept by the
-- catalog service in the same transaction as the product.
CREATE VIRTUAL TABLE catalog_search USING fts5 (
    product_id UNINDEXED,
    name,
    description,
    codes,
    tokenize = 'unicode61 remove_diacritics 2'
);
