-- Variant sales by month beside the daily rows: a year's breakdown reads twelve months
-- and the partial months at its edges instead of every day.
CREATE TABLE analytics_variant_monthly (
    month DATE NOT NULL,
    channel TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    seller_id TEXT NOT NULL,
    units BIGINT NOT NULL,
    gross_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL,
    net_minor BIGINT NOT NULL,
    returned_units BIGINT NOT NULL,
    returned_minor BIGINT NOT NULL,
    PRIMARY KEY (month, channel, variant_id)
);
INSERT INTO analytics_variant_monthly
SELECT date(day, 'start of month'), channel, variant_id, MIN(product_id), MIN(seller_id),
       SUM(units), SUM(gross_minor), SUM(discount_minor), SUM(net_minor),
       SUM(returned_units), SUM(returned_minor)
FROM analytics_variant_daily GROUP BY date(day, 'start of month'), channel, variant_id;
