INSERT INTO analytics_variant_monthly
SELECT DATE_FORMAT(day, '%Y-%m-01'), channel, variant_id, MIN(product_id), MIN(seller_id),
       SUM(units), SUM(gross_minor), SUM(discount_minor), SUM(net_minor),
       SUM(returned_units), SUM(returned_minor)
FROM analytics_variant_daily GROUP BY DATE_FORMAT(day, '%Y-%m-01'), channel, variant_id;
