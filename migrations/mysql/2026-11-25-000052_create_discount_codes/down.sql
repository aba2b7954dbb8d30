DROP TABLE discount_codes;
