INSERT INTO shipping_zones (id, name, position, active, area, rates, created_at, updated_at)
VALUES ('0193c0de-0000-7000-8000-000000000001', 'India', 100, 1,
        '{"country":"IN","states":[],"pincodes":[]}',
        '[{"name":"Standard","kind":"flat","amount_minor":4900,"free_above_minor":49900,"cod_available":true,"cod_surcharge_minor":0,"min_weight_grams":null,"max_weight_grams":null}]',
        UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
