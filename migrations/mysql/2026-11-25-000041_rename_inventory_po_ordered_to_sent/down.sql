UPDATE inventory_purchase_orders SET status = 'ordered' WHERE status = 'sent';
