DROP TABLE pos_sessions;
