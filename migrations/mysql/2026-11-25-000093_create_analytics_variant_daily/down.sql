DROP TABLE analytics_variant_daily;
