CREATE TABLE catalog_price_list_members (
    price_list_id VARCHAR(36) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    PRIMARY KEY (price_list_id, user_id),
    KEY catalog_price_list_members_user (user_id),
    CONSTRAINT catalog_plm_list_fk FOREIGN KEY (price_list_id) REFERENCES catalog_price_lists (id) ON DELETE CASCADE,
    CONSTRAINT catalog_plm_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
