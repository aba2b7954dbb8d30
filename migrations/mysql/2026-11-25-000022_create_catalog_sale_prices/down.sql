DROP TABLE catalog_sale_prices;
