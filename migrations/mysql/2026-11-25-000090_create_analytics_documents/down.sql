DROP TABLE analytics_documents;
