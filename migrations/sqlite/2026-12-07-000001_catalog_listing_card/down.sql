ALTER TABLE catalog_products DROP COLUMN compare_at_price;
ALTER TABLE catalog_products DROP COLUMN image_key;
