DROP INDEX payments_by_status;
