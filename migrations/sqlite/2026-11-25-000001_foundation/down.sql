DROP TABLE sequences;
DROP TABLE idempotency_keys;
DROP TABLE processed_events;
DROP TABLE outbox;
