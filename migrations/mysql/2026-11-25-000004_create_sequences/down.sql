DROP TABLE sequences;
