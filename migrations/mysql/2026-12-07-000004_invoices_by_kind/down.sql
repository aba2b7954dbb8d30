DROP INDEX invoices_by_kind ON invoices;
