DROP TABLE catalog_search;
