ALTER TABLE payments DROP KEY payments_session, DROP COLUMN session_id, DROP COLUMN recorded_by, DROP COLUMN reference;
