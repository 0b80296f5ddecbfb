#!/usr/bin/env python3
"""Fills the expected column of golden files from a running PostgreSQL 15.

Usage: regen_goldens.py FILE... (PGHOST/PGPORT/PGUSER select the server).

A golden line is tab-separated: KIND, inputs..., "=>", expected. Kinds:
  out   TYPE LIT              text input then output ('LIT'::TYPE)
  cast  FROM LIT TO           ('LIT'::FROM)::TO
  op    OP LTYPE LLIT RTYPE RLIT   (LLIT::LTYPE) OP (RLIT::RTYPE); LTYPE "-" for prefix ops
  fn    NAME [TYPE LIT]...    NAME(LIT::TYPE, ...)
LIT "NULL" is a typed NULL; TYPE "unknown" an untyped literal. Expected values: the text
output, <NULL> for NULL, or "ERROR <sqlstate> <message>".
"""
import os
import subprocess
import sys


def lit(ty, value):
    if value == "NULL":
        return "NULL" if ty == "unknown" else f"NULL::{ty}"
    quoted = "'" + value.replace("'", "''") + "'"
    return quoted if ty == "unknown" else f"{quoted}::{ty}"


def query(cols):
    kind = cols[0]
    if kind == "out":
        return f"select {lit(cols[1], cols[2])}"
    if kind == "cast":
        return f"select ({lit(cols[1], cols[2])})::{cols[3]}"
    if kind == "op":
        op, lt, ll, rt, rl = cols[1:6]
        if lt == "-":
            return f"select {op} ({lit(rt, rl)})"
        return f"select ({lit(lt, ll)}) {op} ({lit(rt, rl)})"
    if kind == "fn":
        args = [lit(cols[i], cols[i + 1]) for i in range(2, len(cols), 2)]
        return f"select {cols[1]}({', '.join(args)})"
    raise ValueError(kind)


def run(sql):
    env = dict(os.environ)
    cmd = ["psql", "-X", "-A", "-t", "-v", "VERBOSITY=verbose", "-c", "set timezone='UTC'",
           "-c", "\\pset null <NULL>", "-c", sql]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in p.stderr.splitlines():
        if line.startswith("ERROR:"):
            body = line[len("ERROR:"):].strip()
            state, _, msg = body.partition(": ")
            return f"ERROR {state} {msg}"
    lines = [l for l in p.stdout.splitlines() if l not in ("SET",) and not l.startswith("Null display")]
    return "\\n".join(lines)


for path in sys.argv[1:]:
    out = []
    for line in open(path, encoding="utf-8").read().splitlines():
        if not line or line.startswith("#"):
            out.append(line)
            continue
        cols = line.split("\t")
        if "=>" in cols:
            cols = cols[: cols.index("=>")]
        out.append("\t".join(cols + ["=>", run(query(cols))]))
    open(path, "w", encoding="utf-8").write("\n".join(out) + "\n")
