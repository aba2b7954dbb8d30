DROP TABLE catalog_search;
DROP TABLE catalog_product_categories;
DROP TABLE catalog_variants;
DROP TABLE catalog_products;
DROP TABLE catalog_categories;
