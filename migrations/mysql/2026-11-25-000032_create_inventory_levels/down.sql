DROP TABLE inventory_levels;
