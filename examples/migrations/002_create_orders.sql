-- Orders reference customers; a file may hold several statements.
CREATE TABLE shop_orders (
    id          INTEGER NOT NULL PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES shop_customers (id),
    status      VARCHAR(20) NOT NULL,
    total_cents BIGINT NOT NULL
);
CREATE INDEX shop_orders_customer ON shop_orders (customer_id);
