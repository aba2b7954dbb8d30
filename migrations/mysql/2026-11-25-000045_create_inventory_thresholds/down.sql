DROP TABLE inventory_thresholds;
