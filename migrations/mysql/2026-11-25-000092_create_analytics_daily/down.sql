DROP TABLE analytics_daily;
