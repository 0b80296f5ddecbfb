"""psycopg 3 against a PostgreSQL-protocol server: run by crates/server/tests/e2e_psycopg.rs.

Connects with the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE),
then checks: DDL, INSERT with parameters, executemany, typed fetches (int, numeric as
Decimal, timestamp, bool, text, bytea), a rolled-back transaction, a server-side error
raised as the psycopg exception class of its SQLSTATE, a pipeline in autocommit mode (one
implicit transaction up to its Sync), and COPY in both directions with
cursor.copy(). Exits non-zero with a message naming the failed check; prints one line
per check and a closing "N checks passed".
Run with /usr/bin/python3 (Debian's python3-psycopg).
"""

import datetime
import decimal
import sys

import psycopg
from psycopg import errors

checks = 0


def check(name, got, expected):
    global checks
    if got != expected:
        print(f"FAIL {name}: expected {expected!r}, got {got!r}", file=sys.stderr)
        sys.exit(1)
    checks += 1
    print(f"ok {name}")


def main():
    with psycopg.connect(connect_timeout=30) as conn:
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS e2e_py")
            cur.execute(
                "CREATE TABLE e2e_py (id integer PRIMARY KEY, amount numeric(12,2), "
                "at timestamp, flag boolean, label text, payload bytea)"
            )
            cur.execute(
                "INSERT INTO e2e_py VALUES (%s, %s, %s, %s, %s, %s)",
                (1, decimal.Decimal("12.34"), datetime.datetime(2024, 2, 29, 13, 14, 15, 123456),
                 True, "héllo", b"\x00\x01\xfe\xff"),
            )
            cur.executemany(
                "INSERT INTO e2e_py (id, amount, flag, label) VALUES (%s, %s, %s, %s)",
                [(i, decimal.Decimal(i) / 4, i % 2 == 0, f"row {i}") for i in range(2, 12)],
            )
            check("executemany rowcount", cur.rowcount, 10)
            conn.commit()

            cur.execute("SELECT id, amount, at, flag, label, payload FROM e2e_py WHERE id = %s", (1,))
            row = cur.fetchone()
            check("int", row[0], 1)
            check("numeric is Decimal", (type(row[1]), row[1]), (decimal.Decimal, decimal.Decimal("12.34")))
            check("timestamp", row[2], datetime.datetime(2024, 2, 29, 13, 14, 15, 123456))
            check("bool", row[3], True)
            check("text", row[4], "héllo")
            check("bytea", bytes(row[5]), b"\x00\x01\xfe\xff")

            # Binary result format exercises the server's binary encoders.
            with conn.cursor(binary=True) as bcur:
                bcur.execute("SELECT id, amount, at, flag, label, payload FROM e2e_py WHERE id = 1")
                check("binary row", tuple(bytes(v) if isinstance(v, memoryview) else v for v in bcur.fetchone()),
                      (1, decimal.Decimal("12.34"), datetime.datetime(2024, 2, 29, 13, 14, 15, 123456),
                       True, "héllo", b"\x00\x01\xfe\xff"))

            cur.execute("SELECT count(*), sum(amount) FROM e2e_py WHERE id >= 2")
            check("executemany rows", cur.fetchone(), (10, decimal.Decimal("16.25")))
            cur.execute("SELECT label FROM e2e_py WHERE flag AND id > 1 ORDER BY id")
            check("bool filter", [r[0] for r in cur.fetchall()], ["row 2", "row 4", "row 6", "row 8", "row 10"])
            cur.execute("SELECT at, payload FROM e2e_py WHERE id = 2")
            check("nulls", cur.fetchone(), (None, None))

        # A transaction rolled back leaves nothing behind.
        with conn.cursor() as cur:
            cur.execute("INSERT INTO e2e_py (id, label) VALUES (100, 'gone')")
            cur.execute("SELECT count(*) FROM e2e_py WHERE id = 100")
            check("row visible inside the transaction", cur.fetchone()[0], 1)
            conn.rollback()
            cur.execute("SELECT count(*) FROM e2e_py WHERE id = 100")
            check("rollback", cur.fetchone()[0], 0)
            conn.commit()

        # Server-side errors arrive as the exception class of their SQLSTATE.
        with conn.cursor() as cur:
            try:
                cur.execute("INSERT INTO e2e_py (id, label) VALUES (1, 'duplicate')")
                check("unique violation raised", "no error", "UniqueViolation")
            except errors.UniqueViolation as e:
                check("unique violation sqlstate", e.sqlstate, "23505")
            conn.rollback()
            try:
                cur.execute("SELECT * FROM e2e_no_such_table")
                check("undefined table raised", "no error", "UndefinedTable")
            except errors.UndefinedTable as e:
                check("undefined table sqlstate", e.sqlstate, "42P01")
                check("message names the table", "e2e_no_such_table" in str(e), True)
            conn.rollback()
            try:
                cur.execute("SELECT 1 / 0")
                check("division by zero raised", "no error", "DivisionByZero")
            except errors.DivisionByZero as e:
                check("division by zero sqlstate", e.sqlstate, "22012")
            conn.rollback()
            cur.execute("SELECT 1")
            check("usable after errors", cur.fetchone(), (1,))

        # Pipeline mode in autocommit: the statements up to one Sync are one implicit
        # transaction, so an error rolls back the ones before it (as PostgreSQL does).
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            try:
                with conn.pipeline():
                    cur.execute("INSERT INTO e2e_py (id, label) VALUES (200, 'piped')")
                    cur.execute("INSERT INTO e2e_py (id, label) VALUES (201, 'piped')")
                    cur.execute("INSERT INTO e2e_py (id, label) VALUES (1, 'duplicate')")
                check("pipeline error raised", "no error", "UniqueViolation")
            except errors.UniqueViolation as e:
                check("pipeline error sqlstate", e.sqlstate, "23505")
            cur.execute("SELECT count(*) FROM e2e_py WHERE id IN (200, 201)")
            check("failed pipeline rolled back", cur.fetchone()[0], 0)
            with conn.pipeline():
                cur.execute("INSERT INTO e2e_py (id, label) VALUES (200, 'piped')")
                cur.execute("INSERT INTO e2e_py (id, label) VALUES (201, 'piped')")
            cur.execute("SELECT count(*) FROM e2e_py WHERE id IN (200, 201)")
            check("pipeline committed", cur.fetchone()[0], 2)
            cur.execute("DELETE FROM e2e_py WHERE id IN (200, 201)")
        conn.autocommit = False

        # COPY both ways.
        with conn.cursor() as cur:
            with cur.copy("COPY e2e_py (id, amount, label) FROM STDIN") as copy:
                for i in range(1000, 1500):
                    copy.write_row((i, decimal.Decimal(i) / 100, f"copied {i}"))
            check("copy in rowcount", cur.rowcount, 500)
            conn.commit()
            cur.execute("SELECT count(*), sum(amount) FROM e2e_py WHERE id >= 1000")
            check("copy in rows", cur.fetchone(), (500, decimal.Decimal("6247.50")))
            rows = []
            with cur.copy("COPY (SELECT id, label FROM e2e_py WHERE id >= 1000 ORDER BY id) TO STDOUT") as copy:
                for row in copy.rows():
                    rows.append(row)
            check("copy out count", len(rows), 500)
            check("copy out first", rows[0], ("1000", "copied 1000"))
            check("copy out last", rows[-1], ("1499", "copied 1499"))
            cur.execute("DROP TABLE e2e_py")
            conn.commit()

    print(f"{checks} checks passed")


if __name__ == "__main__":
    main()
