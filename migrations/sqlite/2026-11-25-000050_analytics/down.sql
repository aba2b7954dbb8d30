DROP TABLE analytics_payment_daily;
DROP TABLE analytics_variant_daily;
DROP TABLE analytics_daily;
DROP TABLE analytics_document_rates;
DROP TABLE analytics_documents;
