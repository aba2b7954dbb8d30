CREATE TABLE login_throttle (
    email VARCHAR(254) NOT NULL PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started_at DATETIME(6) NOT NULL,
    locked_until DATETIME(6),
    lock_count INTEGER NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
