DROP TABLE inventory_locations;
