DROP TABLE payment_webhooks;
DROP TABLE payments;
