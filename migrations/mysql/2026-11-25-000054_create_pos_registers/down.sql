DROP TABLE pos_registers;
