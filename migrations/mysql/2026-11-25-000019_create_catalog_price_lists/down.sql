DROP TABLE catalog_price_lists;
