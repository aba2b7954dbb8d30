-- Product images; the file itself is in the blob store under blob_key (named by its
-- SHA-256, so a URL never changes meaning and may be cached for ever).
CREATE TABLE catalog_images (
    id TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES catalog_products (id) ON DELETE CASCADE,
    blob_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX catalog_images_product ON catalog_images (product_id, position);
