-- Sales rung up on a counter device and sent as a whole (at once, or later when the
-- device was offline): one row per device sale, so a sale sent twice is stored once.
CREATE TABLE pos_tickets (
    id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    offline BOOLEAN NOT NULL,
    flagged BOOLEAN NOT NULL,
    flags TEXT NOT NULL,
    sold_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX pos_tickets_device ON pos_tickets (device_id, ticket_id);
CREATE INDEX pos_tickets_flagged ON pos_tickets (flagged, received_at);
CREATE INDEX pos_tickets_order ON pos_tickets (order_id);
CREATE INDEX users_phone ON users (phone);
