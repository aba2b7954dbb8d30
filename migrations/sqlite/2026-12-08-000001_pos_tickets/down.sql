DROP INDEX users_phone;
DROP TABLE pos_tickets;
