-- Payments taken by hand (cash, card terminal, UPI, bank transfer, cash on delivery):
-- the reference, who took it, and the POS register session it went into.
ALTER TABLE payments ADD COLUMN reference TEXT;
ALTER TABLE payments ADD COLUMN recorded_by TEXT;
ALTER TABLE payments ADD COLUMN session_id TEXT;
CREATE INDEX payments_session ON payments (session_id);
