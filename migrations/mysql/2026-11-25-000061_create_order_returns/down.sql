DROP TABLE order_returns;
