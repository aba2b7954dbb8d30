DROP INDEX invoices_by_kind;
