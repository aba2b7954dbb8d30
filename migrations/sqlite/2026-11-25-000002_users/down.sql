DROP TABLE api_keys;
DROP TABLE login_throttle;
DROP TABLE password_resets;
DROP TABLE refresh_tokens;
DROP TABLE users;
