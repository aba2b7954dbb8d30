DROP TABLE oidc_links;
