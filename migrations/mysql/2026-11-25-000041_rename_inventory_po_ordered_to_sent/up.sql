UPDATE inventory_purchase_orders SET status = 'sent' WHERE status = 'ordered';
