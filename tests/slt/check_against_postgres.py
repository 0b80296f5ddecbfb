#!/usr/bin/env python3
"""Check sqllogictest (.slt) files against a real PostgreSQL server.

Each file runs top to bottom in one session, in a fresh database that is
created before and dropped after the file.  Records are compared using the
conventions of the RustyDB slt runner:

  * values are PostgreSQL's text output; NULL is printed as ``NULL`` and an
    empty string as ``(empty)``; values of one row are joined by one space;
  * rows and expected lines are compared after trimming and collapsing
    whitespace (as sqllogictest-rs's default validator does);
  * ``rowsort`` sorts the actual rows (as lists of strings); the expected
    lines must already be in that order;
  * ``statement error <regex>`` / ``query error <regex>`` search the regex in
    ``<SQLSTATE> <message>``;
  * ``statement count N`` compares N with the row count of the command tag.

The script speaks the PostgreSQL wire protocol itself (simple query
protocol), so it needs nothing but python3's standard library.

Usage:
  check_against_postgres.py [options] [FILE.slt ...]

  With no files, every *.slt next to this script is checked.

Options:
  --host H        server host            (default 127.0.0.1, env PGHOST)
  --port P        server port            (default 55432, env PGPORT)
  --user U        user                   (default postgres, env PGUSER)
  --password PW   password if the server asks (env PGPASSWORD)
  --admin-db DB   database used to CREATE/DROP the scratch databases
                  (default postgres)
  --keep          do not drop the scratch database after a file
  --fill          rewrite the files with the server's actual output:
                  query results and type letters, `statement count ?` and
                  empty `statement error` / `query error` regexes.  Only for
                  writing new tests; review the diff afterwards.
  -v, --verbose   print every record as it runs

Exit status: 0 when every record of every file passed, 1 otherwise.
"""

import argparse
import glob
import hashlib
import hmac
import base64
import os
import re
import socket
import struct
import sys

# ---------------------------------------------------------------------------
# Minimal PostgreSQL client (protocol 3.0, simple query protocol)
# ---------------------------------------------------------------------------

INT_OIDS = {20, 21, 23, 26}          # int8 int2 int4 oid
FLOAT_OIDS = {700, 701, 1700}        # float4 float8 numeric
BOOL_OIDS = {16}


class PgError(Exception):
    def __init__(self, fields):
        self.fields = fields
        self.sqlstate = fields.get("C", "?????")
        self.message = fields.get("M", "")
        super().__init__(f"{self.sqlstate} {self.message}")


class Result:
    def __init__(self):
        self.columns = None   # list of (name, type_oid) or None
        self.rows = []        # list of list of str|None
        self.tag = ""
        self.error = None     # PgError or None


class PgConn:
    def __init__(self, host, port, user, database, password=None):
        self.sock = socket.create_connection((host, port), timeout=120)
        self.buf = b""
        self.user = user
        self.password = password
        params = b""
        for k, v in (("user", user), ("database", database),
                     ("client_encoding", "UTF8"), ("application_name", "slt_check")):
            params += k.encode() + b"\0" + v.encode() + b"\0"
        params += b"\0"
        self.sock.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
        self._startup()

    # -- low level ---------------------------------------------------------
    def _recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read_msg(self):
        head = self._recv_exact(5)
        typ = head[0:1]
        (length,) = struct.unpack("!i", head[1:5])
        return typ, self._recv_exact(length - 4)

    def _send(self, typ, payload):
        self.sock.sendall(typ + struct.pack("!i", len(payload) + 4) + payload)

    @staticmethod
    def _fields(payload):
        fields = {}
        for part in payload.split(b"\0"):
            if part:
                fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
        return fields

    # -- authentication ----------------------------------------------------
    def _startup(self):
        scram = None
        while True:
            typ, payload = self._read_msg()
            if typ == b"R":
                (code,) = struct.unpack("!i", payload[:4])
                if code == 0:
                    continue
                if self.password is None:
                    raise ConnectionError(f"server wants a password (auth code {code})")
                if code == 3:  # cleartext
                    self._send(b"p", self.password.encode() + b"\0")
                elif code == 5:  # md5
                    salt = payload[4:8]
                    inner = hashlib.md5(self.password.encode() + self.user.encode()).hexdigest()
                    outer = hashlib.md5(inner.encode() + salt).hexdigest()
                    self._send(b"p", b"md5" + outer.encode() + b"\0")
                elif code == 10:  # SASL
                    scram = _Scram(self.password)
                    first = scram.client_first()
                    mech = b"SCRAM-SHA-256\0"
                    self._send(b"p", mech + struct.pack("!i", len(first)) + first)
                elif code == 11:
                    self._send(b"p", scram.client_final(payload[4:]))
                elif code == 12:
                    scram.verify(payload[4:])
                else:
                    raise ConnectionError(f"unsupported auth code {code}")
            elif typ == b"E":
                raise PgError(self._fields(payload))
            elif typ == b"Z":
                return
            # S (parameter status), K (backend key), N (notice): ignore

    # -- queries -------------------------------------------------------------
    def query(self, sql):
        """Run one simple-protocol query; return the Result of its last statement."""
        self._send(b"Q", sql.encode() + b"\0")
        res = Result()
        while True:
            typ, p = self._read_msg()
            if typ == b"T":
                (n,) = struct.unpack("!h", p[:2])
                pos, cols = 2, []
                for _ in range(n):
                    end = p.index(b"\0", pos)
                    name = p[pos:end].decode()
                    pos = end + 1
                    _tbl, _col, oid, _sz, _mod, _fmt = struct.unpack("!ihihih", p[pos:pos + 18])
                    pos += 18
                    cols.append((name, oid))
                res.columns, res.rows = cols, []
            elif typ == b"D":
                (n,) = struct.unpack("!h", p[:2])
                pos, row = 2, []
                for _ in range(n):
                    (ln,) = struct.unpack("!i", p[pos:pos + 4])
                    pos += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(p[pos:pos + ln].decode("utf-8", "replace"))
                        pos += ln
                res.rows.append(row)
            elif typ == b"C":
                res.tag = p.rstrip(b"\0").decode()
            elif typ == b"E":
                res.error = PgError(self._fields(p))
            elif typ == b"Z":
                return res
            elif typ in (b"G", b"H"):
                raise RuntimeError("COPY is not supported by this checker")
            # I (empty query), N (notice), S, A: ignore

    def close(self):
        try:
            self._send(b"X", b"")
        finally:
            self.sock.close()


class _Scram:
    def __init__(self, password):
        self.password = password.encode()
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = f"n=,r={self.nonce}"

    def client_first(self):
        return ("n,," + self.first_bare).encode()

    def client_final(self, server_first):
        server_first = server_first.decode()
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        salt = base64.b64decode(attrs["s"])
        salted = hashlib.pbkdf2_hmac("sha256", self.password, salt, int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        self.auth_msg = f"{self.first_bare},{server_first},{without_proof}".encode()
        sig = hmac.new(stored, self.auth_msg, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        self.server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def verify(self, server_final):
        expected = hmac.new(self.server_key, self.auth_msg, "sha256").digest()
        got = dict(kv.split("=", 1) for kv in server_final.decode().split(","))
        if base64.b64decode(got.get("v", "")) != expected:
            raise ConnectionError("SCRAM server signature mismatch")


# ---------------------------------------------------------------------------
# slt parsing (subset of the sqllogictest-rs format)
# ---------------------------------------------------------------------------

class Record:
    def __init__(self, kind, line, header, sql, results, start, end):
        self.kind = kind          # 'statement' | 'query'
        self.line = line          # 1-based line of the header
        self.header = header      # tokens of the header line
        self.sql = sql
        self.results = results    # expected lines (query) or None
        self.start = start        # index of header line
        self.end = end            # index one past the record's last line


def parse_slt(lines):
    records, i, n = [], 0, len(lines)
    while i < n:
        line = lines[i]
        if line.startswith("#") or not line.strip():
            i += 1
            continue
        tokens = line.split()
        if tokens[0] in ("statement", "query"):
            start = i
            i += 1
            sql_lines = []
            has_delim = False
            while i < n and lines[i] != "":
                if lines[i] == "----":
                    has_delim = True
                    i += 1
                    break
                sql_lines.append(lines[i])
                i += 1
            results = None
            if has_delim:
                if tokens[0] == "statement":
                    raise SyntaxError(f"line {start + 1}: statement with results")
                results = []
                while i < n and lines[i] != "":
                    results.append(lines[i])
                    i += 1
            records.append(Record(tokens[0], start + 1, tokens, "\n".join(sql_lines),
                                  results, start, i))
        elif tokens[0] in ("halt",):
            break
        elif tokens[0] in ("control", "hash-threshold", "skipif", "onlyif", "subtest"):
            raise SyntaxError(f"line {i + 1}: '{tokens[0]}' is not supported by this checker")
        else:
            raise SyntaxError(f"line {i + 1}: invalid line {line!r}")
    return records


# ---------------------------------------------------------------------------
# comparison helpers
# ---------------------------------------------------------------------------

def fmt_value(v):
    if v is None:
        return "NULL"
    if v == "":
        return "(empty)"
    return v


def normalize(s):
    return " ".join(s.split())


def type_letter(oid):
    if oid in INT_OIDS:
        return "I"
    if oid in FLOAT_OIDS:
        return "R"
    if oid in BOOL_OIDS:
        return "B"
    return "T"


def letters_compatible(expected, cols):
    if len(expected) != len(cols):
        return False
    return all(e == "T" or e == type_letter(oid) for e, (_n, oid) in zip(expected, cols))


def rust_regex_escape(s):
    # Escape only characters that are meta in both Rust's regex crate and Python's re.
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", s)


def tag_count(tag):
    parts = tag.split()
    if parts and parts[-1].isdigit():
        return int(parts[-1])
    return 0


# ---------------------------------------------------------------------------
# running a file
# ---------------------------------------------------------------------------

def scratch_db_name(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    return "slt_check_" + re.sub(r"[^a-z0-9_]", "_", stem.lower())


def run_file(path, args):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    records = parse_slt(lines)
    db = scratch_db_name(path)

    admin = PgConn(args.host, args.port, args.user, args.admin_db, args.password)
    for stmt in (f'DROP DATABASE IF EXISTS "{db}"', f'CREATE DATABASE "{db}"'):
        r = admin.query(stmt)
        if r.error:
            raise r.error
    conn = PgConn(args.host, args.port, args.user, db, args.password)

    failures = []
    replacements = {}   # record.start -> list of new lines (fill mode)
    for rec in records:
        if args.verbose:
            print(f"  {os.path.basename(path)}:{rec.line}: {rec.sql.splitlines()[0]}")
        res = conn.query(rec.sql)
        err_text = str(res.error) if res.error else None
        where = f"{path}:{rec.line}"
        h = rec.header
        new_header = None
        new_results = None

        if rec.kind == "statement":
            mode = h[1] if len(h) > 1 else ""
            if mode == "ok":
                if res.error:
                    failures.append(f"{where}: statement failed: {err_text}\n    [SQL] {rec.sql}")
            elif mode == "count":
                if res.error:
                    failures.append(f"{where}: statement failed: {err_text}\n    [SQL] {rec.sql}")
                elif h[2] == "?" and args.fill:
                    new_header = f"statement count {tag_count(res.tag)}"
                elif h[2] == "?":
                    failures.append(f"{where}: placeholder count '?' (run with --fill)")
                elif res.columns is not None and not res.tag.startswith(("INSERT", "UPDATE", "DELETE", "MERGE")):
                    failures.append(f"{where}: statement count on a row-returning statement "
                                    f"(the runner ignores counts of rows results): {res.tag}")
                elif int(h[2]) != tag_count(res.tag):
                    failures.append(f"{where}: expected count {h[2]}, got {tag_count(res.tag)} "
                                    f"({res.tag})\n    [SQL] {rec.sql}")
            elif mode == "error":
                regex = " ".join(h[2:])
                if not res.error:
                    failures.append(f"{where}: statement expected to fail but succeeded\n    [SQL] {rec.sql}")
                elif regex == "" and args.fill:
                    new_header = "statement error " + rust_regex_escape(err_text)
                elif regex == "":
                    failures.append(f"{where}: empty error regex (got: {err_text})")
                elif not re.search(regex, err_text):
                    failures.append(f"{where}: error mismatch\n    expected /{regex}/\n    got      {err_text}")
            else:
                failures.append(f"{where}: bad statement header {' '.join(h)}")
        else:  # query
            if len(h) > 1 and h[1] == "error":
                regex = " ".join(h[2:])
                if not res.error:
                    failures.append(f"{where}: query expected to fail but succeeded\n    [SQL] {rec.sql}")
                elif regex == "" and args.fill:
                    new_header = "query error " + rust_regex_escape(err_text)
                elif regex == "":
                    failures.append(f"{where}: empty error regex (got: {err_text})")
                elif not re.search(regex, err_text):
                    failures.append(f"{where}: error mismatch\n    expected /{regex}/\n    got      {err_text}")
            else:
                letters = h[1] if len(h) > 1 else ""
                sort = h[2] if len(h) > 2 else "nosort"
                if sort not in ("nosort", "rowsort"):
                    failures.append(f"{where}: unsupported sort mode {sort!r} (use nosort/rowsort)")
                if res.error:
                    failures.append(f"{where}: query failed: {err_text}\n    [SQL] {rec.sql}")
                elif res.columns is None:
                    failures.append(f"{where}: query returned no row description ({res.tag})")
                else:
                    rows = [[fmt_value(v) for v in row] for row in res.rows]
                    if sort == "rowsort":
                        rows.sort()
                    actual = [" ".join(r) for r in rows]
                    actual_norm = [" ".join(normalize(v) for v in r) for r in rows]
                    expected = rec.results or []
                    if args.fill:
                        new_letters = "".join(type_letter(oid) for _n, oid in res.columns)
                        new_header = " ".join(["query", new_letters] + h[2:])
                        new_results = actual
                    else:
                        if not letters_compatible(letters, res.columns):
                            got = "".join(type_letter(oid) for _n, oid in res.columns)
                            failures.append(f"{where}: column types {letters!r} do not fit result {got!r}")
                        if [normalize(e) for e in expected] != actual_norm:
                            diff = "\n".join(["    expected:"] + ["      " + e for e in expected]
                                             + ["    actual:"] + ["      " + a for a in actual])
                            failures.append(f"{where}: result mismatch\n    [SQL] {rec.sql}\n{diff}")

        if args.fill and (new_header is not None or new_results is not None):
            block = lines[rec.start:rec.end]
            if new_header is not None:
                block[0] = new_header
            if new_results is not None:
                idx = block.index("----") if "----" in block else None
                if idx is None:
                    block = block + ["----"]
                    idx = len(block) - 1
                block = block[:idx + 1] + new_results
            replacements[rec.start] = (rec.end, block)

    conn.close()
    if not args.keep:
        r = admin.query(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        if r.error:
            print(f"warning: could not drop {db}: {r.error}", file=sys.stderr)
    admin.close()

    if args.fill and replacements:
        out, i = [], 0
        while i < len(lines):
            if i in replacements:
                end, block = replacements[i]
                out.extend(block)
                i = end
            else:
                out.append(lines[i])
                i += 1
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
    return len(records), failures


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    ap.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "55432")))
    ap.add_argument("--user", default=os.environ.get("PGUSER", "postgres"))
    ap.add_argument("--password", default=os.environ.get("PGPASSWORD"))
    ap.add_argument("--admin-db", default="postgres")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--fill", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(here, "*.slt")))
    total_records, total_failures = 0, 0
    for path in files:
        try:
            n, failures = run_file(path, args)
        except (SyntaxError, PgError, OSError, ConnectionError) as e:
            print(f"FAIL {path}: {e}")
            total_failures += 1
            continue
        total_records += n
        total_failures += len(failures)
        status = "ok  " if not failures else "FAIL"
        print(f"{status} {path}: {n} records, {len(failures)} failures")
        for f in failures:
            print("  " + f.replace("\n", "\n  "))
    print(f"\n{len(files)} files, {total_records} records, {total_failures} failures")
    return 0 if total_failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
