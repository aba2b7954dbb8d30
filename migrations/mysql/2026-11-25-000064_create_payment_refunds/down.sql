DROP TABLE payment_refunds;
