-- What a product card in a listing shows besides the price range: the first image and the
-- compare-at price of the cheapest variant, kept on the product so a page stays one scan.
ALTER TABLE catalog_products ADD COLUMN image_key TEXT NULL;
ALTER TABLE catalog_products ADD COLUMN compare_at_price BIGINT NULL;
UPDATE catalog_products SET image_key = (
  SELECT i.blob_key FROM catalog_images i WHERE i.product_id = catalog_products.id
  ORDER BY i.position, i.id LIMIT 1);
UPDATE catalog_products SET compare_at_price = (
  SELECT v.compare_at_price FROM catalog_variants v
  WHERE v.product_id = catalog_products.id AND v.status = 'active'
  ORDER BY v.price, v.position LIMIT 1);
UPDATE catalog_products SET compare_at_price = NULL WHERE compare_at_price <= min_price;
