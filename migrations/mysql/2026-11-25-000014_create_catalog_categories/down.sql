DROP TABLE catalog_categories;
