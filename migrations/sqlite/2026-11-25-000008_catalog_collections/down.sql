DROP TABLE catalog_collection_products;
DROP TABLE catalog_collections;
