ALTER TABLE catalog_products DROP COLUMN compare_at_price, DROP COLUMN image_key;
