DROP TABLE inventory_movements;
