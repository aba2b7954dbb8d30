DROP TABLE pos_tenders;
