DROP TABLE catalog_collections;
