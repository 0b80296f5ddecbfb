//! Subscriptions over a websocket client (graphql-transport-ws).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::{Server, WAIT, gql, start};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(s: &Server, header_token: Option<&str>, protocol: &str) -> Ws {
    let mut req = format!("ws://{}/graphql/ws", s.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
    if let Some(t) = header_token {
        req.headers_mut()
            .insert("Authorization", format!("Bearer {t}").parse().unwrap());
    }
    let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
        .await
        .unwrap()
        .unwrap();
    ws
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next JSON text message (pings skipped), or None when the socket closes.
async fn next(ws: &mut Ws) -> Option<Value> {
    for _ in 0..100 {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("no websocket message in time")?;
        match msg {
            Ok(Message::Text(t)) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ping" || v["type"] == "ka" {
                    continue;
                }
                return Some(v);
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
    panic!("too many non-text messages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_metrics_every_second() {
    let s = start().await;
    let mut ws = connect(&s, None, "graphql-transport-ws").await;
    send(&mut ws, json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", s.token)}})).await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    send(&mut ws, json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { systemMetrics(intervalSeconds: 1) { memoryRssBytes threads sampledAt } }"}})).await;
    for _ in 0..2 {
        let m = next(&mut ws).await.unwrap();
        assert_eq!(m["type"], "next", "{m}");
        let d = &m["payload"]["data"]["systemMetrics"];
        assert!(d["memoryRssBytes"].as_u64().unwrap() > 0, "{m}");
    }
    send(&mut ws, json!({"id": "1", "type": "complete"})).await;

    // Out-of-range interval: an error for that subscription.
    send(&mut ws, json!({"id": "2", "type": "subscribe", "payload": {"query": "subscription { systemMetrics(intervalSeconds: 0) { threads } }"}})).await;
    let mut m = next(&mut ws).await.unwrap();
    for _ in 0..5 {
        if m["id"] == "2" {
            break;
        }
        m = next(&mut ws).await.unwrap();
    }
    let text = m.to_string();
    assert!(text.contains("intervalSeconds"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_changes_after_commit_with_header_auth() {
    let s = start().await;
    gql(
        &s,
        "{ query(sql: \"CREATE TABLE feed (id int PRIMARY KEY)\") { command } }",
        json!({}),
    )
    .await;
    let mut ws = connect(&s, Some(&s.token), "graphql-transport-ws").await;
    send(&mut ws, json!({"type": "connection_init"})).await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    send(&mut ws, json!({"id": "c", "type": "subscribe", "payload": {"query": "subscription { tableChanges(table: \"feed\") { schema table operation rows xid committedAt } }"}})).await;
    // The server registers the subscription at some point after the message; commit
    // two-row inserts until an event arrives (bounded).
    let mut m = None;
    for i in 0..40 {
        let sql = format!("INSERT INTO feed VALUES ({}), ({})", 2 * i, 2 * i + 1);
        gql(
            &s,
            "query($q: String!) { query(sql: $q) { command } }",
            json!({"q": sql}),
        )
        .await;
        if let Ok(got) = tokio::time::timeout(Duration::from_millis(500), next(&mut ws)).await {
            m = got;
            break;
        }
    }
    let m = m.expect("no tableChanges event after 40 committed inserts");
    assert_eq!(m["type"], "next", "{m}");
    let c = &m["payload"]["data"]["tableChanges"];
    assert_eq!(c["schema"], "public");
    assert_eq!(c["table"], "feed");
    assert_eq!(c["operation"], "INSERT");
    assert_eq!(c["rows"], 2);
    assert!(c["committedAt"].as_str().unwrap().ends_with('Z'));

    // Now that the subscription is live: a rolled-back insert never shows; the
    // committed DELETE after it is the next event.
    let d = gql(&s, "mutation { beginTransaction { id } }", json!({})).await;
    let rolled = d["beginTransaction"]["id"].as_u64().unwrap();
    gql(&s, "mutation($id: BigInt!) { executeSql(transactionId: $id, sql: \"INSERT INTO feed VALUES (99)\") { command } }", json!({"id": rolled})).await;
    gql(
        &s,
        "mutation($id: BigInt!) { rollbackTransaction(transactionId: $id) { command } }",
        json!({"id": rolled}),
    )
    .await;
    gql(
        &s,
        "{ query(sql: \"DELETE FROM feed\") { rowsAffected } }",
        json!({}),
    )
    .await;
    let m = next(&mut ws).await.unwrap();
    let c = &m["payload"]["data"]["tableChanges"];
    assert_eq!(c["operation"], "DELETE", "{m}");
    assert!(c["rows"].as_u64().unwrap() >= 2, "{m}");
    assert_ne!(c["xid"], rolled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_refusals() {
    let s = start().await;
    // No token anywhere: connection_init is refused and the socket closes.
    let mut ws = connect(&s, None, "graphql-transport-ws").await;
    send(&mut ws, json!({"type": "connection_init", "payload": {}})).await;
    let m = next(&mut ws).await;
    assert!(
        m.as_ref().is_none_or(|m| m["type"] != "connection_ack"),
        "{m:?}"
    );

    // alice has no SELECT on the table: the subscription fails with 42P01 (hidden).
    gql(
        &s,
        "{ query(sql: \"CREATE TABLE secret (id int)\") { command } }",
        json!({}),
    )
    .await;
    let mut ws = connect(&s, None, "graphql-ws").await;
    send(&mut ws, json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", s.alice)}})).await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    send(&mut ws, json!({"id": "x", "type": "start", "payload": {"query": "subscription { tableChanges(table: \"secret\") { rows } }"}})).await;
    let m = next(&mut ws).await.unwrap();
    assert!(m.to_string().contains("42P01"), "{m}");
}
