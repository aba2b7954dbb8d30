DROP TABLE catalog_listing;
