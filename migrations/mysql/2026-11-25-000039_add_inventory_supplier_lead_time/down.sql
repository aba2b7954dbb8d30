ALTER TABLE inventory_suppliers DROP COLUMN lead_time_days;
