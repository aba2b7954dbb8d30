DROP TABLE catalog_sale_prices;
DROP TABLE catalog_price_list_members;
DROP TABLE catalog_price_list_prices;
DROP TABLE catalog_price_lists;
