DROP TABLE inventory_purchase_orders;
