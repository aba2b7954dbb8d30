-- Payments taken by hand (cash, card terminal, UPI, bank transfer, cash on delivery):
-- the reference, who took it, and the POS register session it went into.
ALTER TABLE payments
    ADD COLUMN reference VARCHAR(100),
    ADD COLUMN recorded_by VARCHAR(64),
    ADD COLUMN session_id VARCHAR(36),
    ADD KEY payments_session (session_id);
