DROP TABLE analytics_variant_monthly;
