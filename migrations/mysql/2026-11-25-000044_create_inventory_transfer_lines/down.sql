DROP TABLE inventory_transfer_lines;
