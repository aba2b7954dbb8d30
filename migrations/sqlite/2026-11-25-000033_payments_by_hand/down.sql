DROP INDEX payments_session;
ALTER TABLE payments DROP COLUMN session_id;
ALTER TABLE payments DROP COLUMN recorded_by;
ALTER TABLE payments DROP COLUMN reference;
