DROP INDEX users_phone ON users;
DROP TABLE pos_tickets;
