DROP TABLE catalog_images;
