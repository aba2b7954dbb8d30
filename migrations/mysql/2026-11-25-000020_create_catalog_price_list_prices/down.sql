DROP TABLE catalog_price_list_prices;
