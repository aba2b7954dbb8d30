-- The back office lists payments newest first, often only the flagged ones.
CREATE INDEX payments_by_status ON payments (status, id);
