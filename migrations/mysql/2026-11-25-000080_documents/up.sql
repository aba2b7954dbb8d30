-- The relational document store: logs, audit trail, analytics events, reviews. Bodies are
-- JSON text; the fields a collection declares indexed are copied into k1..k3 (strings)
-- and n1 (a number) so filters and sorts on them use these indexes.
CREATE TABLE documents (
    collection VARCHAR(48) NOT NULL,
    id VARCHAR(100) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6),
    body MEDIUMTEXT NOT NULL,
    k1 VARCHAR(255),
    k2 VARCHAR(255),
    k3 VARCHAR(255),
    n1 DOUBLE,
    PRIMARY KEY (collection, id),
    KEY documents_created (collection, created_at, id),
    KEY documents_k1 (collection, k1, created_at, id),
    KEY documents_k2 (collection, k2, created_at, id),
    KEY documents_k3 (collection, k3, created_at, id),
    KEY documents_n1 (collection, n1, created_at, id),
    KEY documents_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
