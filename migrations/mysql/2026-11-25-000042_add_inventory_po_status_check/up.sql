ALTER TABLE inventory_purchase_orders ADD CONSTRAINT inventory_purchase_orders_status CHECK (status IN ('draft', 'sent', 'partially_received', 'received', 'cancelled'));
