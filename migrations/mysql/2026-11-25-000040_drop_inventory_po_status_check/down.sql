ALTER TABLE inventory_purchase_orders ADD CONSTRAINT inventory_purchase_orders_status CHECK (status IN ('draft', 'ordered', 'partially_received', 'received', 'cancelled'));
