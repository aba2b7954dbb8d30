DROP TABLE shipping_zones;
