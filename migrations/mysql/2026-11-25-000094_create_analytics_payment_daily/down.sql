DROP TABLE analytics_payment_daily;
