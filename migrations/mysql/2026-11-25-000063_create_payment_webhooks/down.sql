DROP TABLE payment_webhooks;
