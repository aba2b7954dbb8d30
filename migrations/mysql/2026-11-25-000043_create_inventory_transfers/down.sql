DROP TABLE inventory_transfers;
