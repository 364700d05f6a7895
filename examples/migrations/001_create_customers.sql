-- The customers table. Written in SQL every target here understands
-- (SQLite, PostgreSQL, MySQL/MariaDB, SQL Server): apply with
--   surge migrate sqlite:shop.db --dir examples/migrations
CREATE TABLE shop_customers (
    id         INTEGER NOT NULL PRIMARY KEY,
    email      VARCHAR(200) NOT NULL,
    name       VARCHAR(100) NOT NULL,
    created_at VARCHAR(30) NOT NULL
);
CREATE UNIQUE INDEX shop_customers_email ON shop_customers (email);
