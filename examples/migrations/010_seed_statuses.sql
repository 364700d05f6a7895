-- Number 10 runs after 2 (numbers compare as numbers, not as text).
-- Reference data goes in with the schema change that needs it.
CREATE TABLE shop_order_statuses (
    status  VARCHAR(20) NOT NULL PRIMARY KEY,
    step    INTEGER NOT NULL
);
INSERT INTO shop_order_statuses (status, step) VALUES ('pending', 0);
INSERT INTO shop_order_statuses (status, step) VALUES ('paid', 1);
INSERT INTO shop_order_statuses (status, step) VALUES ('shipped', 2);
INSERT INTO shop_order_statuses (status, step) VALUES ('delivered', 3);
