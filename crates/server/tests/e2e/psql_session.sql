-- A psql session run by crates/server/tests/e2e_psql.rs with `psql -X -f`, against
-- rusty-db-server (and, to record the expected fragments, against PostgreSQL 15).
-- Tables with keys, indexes and a view, then psql's meta-commands that read the catalog.
CREATE TABLE e2e_authors (
    id integer PRIMARY KEY,
    name text NOT NULL UNIQUE
);
CREATE TABLE e2e_books (
    id bigint PRIMARY KEY,
    author_id integer NOT NULL REFERENCES e2e_authors (id),
    title varchar(200) NOT NULL,
    price numeric(10,2),
    published date
);
CREATE INDEX e2e_books_title_idx ON e2e_books (title);
CREATE VIEW e2e_cheap_books AS SELECT id, title FROM e2e_books WHERE price < 10;
INSERT INTO e2e_authors VALUES (1, 'Ursula'), (2, 'Terry');
INSERT INTO e2e_books VALUES
    (10, 1, 'The Dispossessed', 9.50, '1974-05-01'),
    (11, 2, 'Mort', 12.00, '1987-11-12');
SELECT b.title, a.name FROM e2e_books b JOIN e2e_authors a ON a.id = b.author_id ORDER BY b.id;
SELECT * FROM e2e_cheap_books;
\l
\dt
\d e2e_books
\di
\dv
\du
\x
SELECT id, title, price FROM e2e_books ORDER BY id;
\x
\timing on
SELECT count(*) AS n_books FROM e2e_books;
\timing off
DROP VIEW e2e_cheap_books;
DROP TABLE e2e_books;
DROP TABLE e2e_authors;
