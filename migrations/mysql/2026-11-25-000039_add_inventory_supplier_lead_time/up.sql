ALTER TABLE inventory_suppliers ADD COLUMN lead_time_days INT NULL;
