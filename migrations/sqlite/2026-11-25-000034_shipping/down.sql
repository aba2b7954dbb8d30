DROP TABLE shipment_events;
DROP TABLE shipments;
DROP TABLE shipping_zones;
