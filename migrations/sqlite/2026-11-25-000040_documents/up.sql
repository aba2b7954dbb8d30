-- The relational document store: logs, audit trail, analytics events, reviews. Bodies are
-- JSON text; the fields a collection declares indexed are copied into k1..k3 (strings)
-- and n1 (a number) so filters and sorts on them use these indexes.
CREATE TABLE documents (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    body TEXT NOT NULL,
    k1 TEXT,
    k2 TEXT,
    k3 TEXT,
    n1 DOUBLE,
    PRIMARY KEY (collection, id)
);
CREATE INDEX documents_created ON documents (collection, created_at, id);
CREATE INDEX documents_k1 ON documents (collection, k1, created_at, id);
CREATE INDEX documents_k2 ON documents (collection, k2, created_at, id);
CREATE INDEX documents_k3 ON documents (collection, k3, created_at, id);
CREATE INDEX documents_n1 ON documents (collection, n1, created_at, id);
CREATE INDEX documents_expires ON documents (expires_at) WHERE expires_at IS NOT NULL;
