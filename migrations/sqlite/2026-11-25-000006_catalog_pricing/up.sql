-- Price lists (e.g. wholesale): prices per variant for the customers who are members.
CREATE TABLE catalog_price_lists (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE catalog_price_list_prices (
    price_list_id TEXT NOT NULL REFERENCES catalog_price_lists (id) ON DELETE CASCADE,
    variant_id TEXT NOT NULL REFERENCES catalog_variants (id),
    price BIGINT NOT NULL CHECK (price >= 0),
    PRIMARY KEY (price_list_id, variant_id)
);
CREATE INDEX catalog_price_list_prices_variant ON catalog_price_list_prices (variant_id);

CREATE TABLE catalog_price_list_members (
    price_list_id TEXT NOT NULL REFERENCES catalog_price_lists (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (price_list_id, user_id)
);
CREATE INDEX catalog_price_list_members_user ON catalog_price_list_members (user_id);

-- Scheduled sale prices: live from starts_at until ends_at (open-ended when NULL).
CREATE TABLE catalog_sale_prices (
    id TEXT PRIMARY KEY NOT NULL,
    variant_id TEXT NOT NULL REFERENCES catalog_variants (id),
    price BIGINT NOT NULL CHECK (price >= 0),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX catalog_sale_prices_variant ON catalog_sale_prices (variant_id, starts_at);
