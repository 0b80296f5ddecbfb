-- pgbench's built-in TPC-B transaction plus one row per acknowledged transaction in
-- e2e_acks: (round, client, that client's transaction number). Run by
-- crates/server/tests/e2e_kill9.rs with `-D round=N -D seq=0`; pgbench keeps a client's
-- variables from one transaction to the next, so :seq counts the client's transactions.
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
\set seq :seq + 1
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
INSERT INTO e2e_acks (round, client_id, seq) VALUES (:round, :client_id, :seq);
END;
