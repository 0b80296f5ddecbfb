CREATE TABLE customers (id serial PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, name text, created date DEFAULT current_date);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers(id), amount numeric(10,2) CHECK (amount > 0), status text DEFAULT 'new');
CREATE INDEX orders_status_idx ON orders (status);
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
CREATE SEQUENCE ticket_seq;
