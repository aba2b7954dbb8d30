-- Sales rung up on a counter device and sent as a whole (at once, or later when the
-- device was offline): one row per device sale, so a sale sent twice is stored once.
CREATE TABLE pos_tickets (
    id VARCHAR(36) NOT NULL,
    device_id VARCHAR(64) NOT NULL,
    ticket_id VARCHAR(64) NOT NULL,
    session_id VARCHAR(36) NOT NULL,
    order_id VARCHAR(36) NOT NULL,
    offline BOOLEAN NOT NULL,
    flagged BOOLEAN NOT NULL,
    flags TEXT NOT NULL,
    sold_at DATETIME(6) NOT NULL,
    received_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY pos_tickets_device (device_id, ticket_id),
    KEY pos_tickets_flagged (flagged, received_at),
    KEY pos_tickets_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX users_phone ON users (phone);
