-- The back office lists invoices or credit notes newest first.
CREATE INDEX invoices_by_kind ON invoices (kind, id);
