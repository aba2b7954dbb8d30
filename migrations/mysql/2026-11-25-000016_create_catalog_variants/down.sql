DROP TABLE catalog_variants;
