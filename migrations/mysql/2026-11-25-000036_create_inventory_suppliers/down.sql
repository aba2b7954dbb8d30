DROP TABLE inventory_suppliers;
