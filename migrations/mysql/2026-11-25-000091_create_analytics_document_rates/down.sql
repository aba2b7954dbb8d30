DROP TABLE analytics_document_rates;
