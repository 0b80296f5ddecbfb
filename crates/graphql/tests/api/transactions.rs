//! HTTP transactions through the mutations, checked against the data they leave.

use serde_json::json;

use crate::common::{first_error, gql, gql_raw, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savepoints_commit_and_rollback() {
    let s = start().await;
    gql(
        &s,
        "{ query(sql: \"CREATE TABLE t (id int PRIMARY KEY, v text)\") { command } }",
        json!({}),
    )
    .await;

    let d = gql(&s, "mutation { beginTransaction(isolationLevel: \"repeatable read\") { id isolationLevel owner state } }", json!({})).await;
    let b = &d["beginTransaction"];
    assert_eq!(b["isolationLevel"], "repeatable read");
    assert_eq!(b["owner"], "rustydb");
    let id = b["id"].as_u64().unwrap();

    // The same id as the transaction manager's.
    let d = gql(&s, "query($id: BigInt!) { transactionInfo(transactionId: $id) { id isolationLevel httpOwner } activeTransactions { id } }", json!({"id": id})).await;
    assert_eq!(d["transactionInfo"]["id"], id);
    assert_eq!(d["transactionInfo"]["isolationLevel"], "repeatable read");
    assert_eq!(d["transactionInfo"]["httpOwner"], "rustydb");
    assert!(
        d["activeTransactions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id)
    );

    let run = |sql: &'static str| {
        let s = &s;
        async move {
            gql(s, "mutation($id: BigInt!, $sql: String!, $p: [JSON]) { executeSql(transactionId: $id, sql: $sql, params: $p) { command rows } }",
                json!({"id": id, "sql": sql, "p": []})).await
        }
    };
    assert_eq!(
        run("INSERT INTO t VALUES (1, 'kept')").await["executeSql"]["command"],
        "INSERT 0 1"
    );
    let d = gql(&s, "mutation($id: BigInt!) { createSavepoint(transactionId: $id, name: \"sp1\") { id command } }", json!({"id": id})).await;
    assert_eq!(
        d["createSavepoint"],
        json!({"id": id, "command": "SAVEPOINT"})
    );
    run("INSERT INTO t VALUES (2, 'undone')").await;
    let d = gql(&s, "mutation($id: BigInt!) { rollbackToSavepoint(transactionId: $id, name: \"sp1\") { command } }", json!({"id": id})).await;
    assert_eq!(d["rollbackToSavepoint"]["command"], "ROLLBACK");
    run("INSERT INTO t VALUES (3, 'also kept')").await;
    // Not visible outside before the commit.
    let d = gql(
        &s,
        "{ query(sql: \"SELECT count(*) FROM t\") { rows } }",
        json!({}),
    )
    .await;
    assert_eq!(d["query"]["rows"], json!([[0]]));
    let d = gql(
        &s,
        "mutation($id: BigInt!) { commitTransaction(transactionId: $id) { command } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(d["commitTransaction"]["command"], "COMMIT");
    let d = gql(
        &s,
        "{ query(sql: \"SELECT id, v FROM t ORDER BY id\") { rows } }",
        json!({}),
    )
    .await;
    assert_eq!(d["query"]["rows"], json!([[1, "kept"], [3, "also kept"]]));

    // Gone after the commit.
    let v = gql_raw(
        &s,
        &s.token,
        "query($id: BigInt!) { transactionInfo(transactionId: $id) { id } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["status"], 404, "{v}");
    let v = gql_raw(
        &s,
        &s.token,
        "mutation($id: BigInt!) { commitTransaction(transactionId: $id) { command } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["status"], 404, "{v}");

    // Rollback and abort discard the work.
    for m in ["rollbackTransaction", "abortTransaction"] {
        let d = gql(&s, "mutation { beginTransaction { id } }", json!({})).await;
        let id = d["beginTransaction"]["id"].as_u64().unwrap();
        gql(&s, "mutation($id: BigInt!) { executeSql(transactionId: $id, sql: \"DELETE FROM t\") { rowsAffected } }", json!({"id": id})).await;
        let d = gql(
            &s,
            &format!("mutation($id: BigInt!) {{ {m}(transactionId: $id) {{ command }} }}"),
            json!({"id": id}),
        )
        .await;
        assert_eq!(d[m]["command"], "ROLLBACK");
    }
    let d = gql(
        &s,
        "{ query(sql: \"SELECT count(*) FROM t\") { rows } }",
        json!({}),
    )
    .await;
    assert_eq!(d["query"]["rows"], json!([[2]]));

    // Someone else's transaction is refused; a bad isolation level names the field.
    let d = gql(&s, "mutation { beginTransaction { id } }", json!({})).await;
    let id = d["beginTransaction"]["id"].as_u64().unwrap();
    let v = gql_raw(
        &s,
        &s.alice,
        "mutation($id: BigInt!) { executeSql(transactionId: $id, sql: \"SELECT 1\") { rows } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["sqlstate"], "42501", "{v}");
    let v = gql_raw(
        &s,
        &s.alice,
        "query($id: BigInt!) { transactionInfo(transactionId: $id) { id } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["status"], 404, "{v}");
    let v = gql_raw(
        &s,
        &s.token,
        "mutation { beginTransaction(isolationLevel: \"chaos\") { id } }",
        json!({}),
    )
    .await;
    assert!(
        first_error(&v)["message"]
            .as_str()
            .unwrap()
            .contains("isolation_level"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_checkpoint() {
    let s = start().await;
    let d = gql(
        &s,
        "mutation { checkpoint { lsn redo pagesWritten durationMs } }",
        json!({}),
    )
    .await;
    assert!(!d["checkpoint"]["lsn"].as_str().unwrap().is_empty());
    let v = gql_raw(&s, &s.alice, "mutation { checkpoint { lsn } }", json!({})).await;
    assert_eq!(first_error(&v)["extensions"]["sqlstate"], "42501");

    // An idle session: nothing to cancel. alice may not cancel rustydb's session.
    let d = gql(&s, "mutation { beginTransaction { id } }", json!({})).await;
    let id = d["beginTransaction"]["id"].as_u64().unwrap();
    let d = gql(&s, "{ activeConnections { pid transactionId } }", json!({})).await;
    let pid = d["activeConnections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["transactionId"] == id)
        .unwrap()["pid"]
        .as_u64()
        .unwrap();
    let d = gql(
        &s,
        "mutation($pid: Int!) { cancelQuery(queryId: $pid) }",
        json!({"pid": pid}),
    )
    .await;
    assert_eq!(d["cancelQuery"], false);
    let v = gql_raw(
        &s,
        &s.alice,
        "mutation($pid: Int!) { cancelQuery(queryId: $pid) }",
        json!({"pid": pid}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["sqlstate"], "42501");
    let v = gql_raw(
        &s,
        &s.token,
        "mutation { cancelQuery(queryId: 999999) }",
        json!({}),
    )
    .await;
    assert_eq!(first_error(&v)["extensions"]["status"], 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_wait_is_listed_and_cancelled() {
    let s = std::sync::Arc::new(start().await);
    gql(
        &s,
        "{ query(sql: \"CREATE TABLE acct (id int PRIMARY KEY, v int)\") { command } }",
        json!({}),
    )
    .await;
    gql(
        &s,
        "{ query(sql: \"INSERT INTO acct VALUES (1, 0)\") { command } }",
        json!({}),
    )
    .await;

    // A local session holds the row until told to roll back.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel::<u64>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let engine = s.engine.clone();
    let holder = tokio::task::spawn_blocking(move || {
        let mut sess = engine.session();
        sess.execute("BEGIN").unwrap();
        sess.execute("UPDATE acct SET v = 1 WHERE id = 1").unwrap();
        locked_tx
            .send(sess.cancel_handle().transaction_id().unwrap())
            .unwrap();
        let _ = done_rx.recv_timeout(crate::common::WAIT);
        sess.execute("ROLLBACK").unwrap();
    });
    let holder_xid = locked_rx.recv_timeout(crate::common::WAIT).unwrap();

    let d = gql(&s, "mutation { beginTransaction { id } }", json!({})).await;
    let id = d["beginTransaction"]["id"].as_u64().unwrap();
    let waiter = {
        let s = s.clone();
        tokio::spawn(async move {
            gql_raw(&s, &s.token, "mutation($id: BigInt!) { executeSql(transactionId: $id, sql: \"UPDATE acct SET v = 2 WHERE id = 1\") { command } }", json!({"id": id})).await
        })
    };
    let mut waits = json!([]);
    for _ in 0..400 {
        waits = gql(
            &s,
            "{ lockWaits { waiter blockers mode resource waitedMs } }",
            json!({}),
        )
        .await["lockWaits"]
            .clone();
        if waits.as_array().is_some_and(|w| !w.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let w = &waits[0];
    assert_eq!(w["waiter"], id, "{waits}");
    assert!(
        w["blockers"]
            .as_array()
            .unwrap()
            .contains(&json!(holder_xid)),
        "{waits}"
    );
    let d = gql(
        &s,
        "{ lockStats { waiting } activeTransactions { id state } }",
        json!({}),
    )
    .await;
    assert_eq!(d["lockStats"]["waiting"], 1);
    assert!(
        d["activeTransactions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id && t["state"] == "waiting"),
        "{d}"
    );

    let d = gql(
        &s,
        "{ activeConnections { pid transactionId state } }",
        json!({}),
    )
    .await;
    let pid = d["activeConnections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["transactionId"] == id)
        .unwrap()["pid"]
        .as_u64()
        .unwrap();
    let d = gql(
        &s,
        "mutation($pid: Int!) { cancelQuery(queryId: $pid) }",
        json!({"pid": pid}),
    )
    .await;
    assert_eq!(d["cancelQuery"], true);
    let v = tokio::time::timeout(crate::common::WAIT, waiter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first_error(&v)["extensions"]["sqlstate"], "57014", "{v}");
    done_tx.send(()).unwrap();
    holder.await.unwrap();
}
