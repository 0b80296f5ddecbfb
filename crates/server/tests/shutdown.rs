//! Through the PostgreSQL protocol: log in with the initial password, commit a row,
//! SIGTERM, restart, read it back; and a second signal during the shutdown grace exits
//! at once, after which the next start recovers.

mod server_harness;

use std::fs;
use std::time::Duration;

use server_harness::{Server, Site, WAIT};
use tokio_postgres::{Client, NoTls};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn connect(port: u16, password: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio::time::timeout(
        WAIT,
        tokio_postgres::Config::new()
            .host("127.0.0.1")
            .port(port)
            .user("rustydb")
            .dbname("rustydb")
            .password(password)
            .connect(NoTls),
    )
    .await
    .expect("connect timed out")?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

fn initial_password(site: &Site) -> String {
    fs::read_to_string(site.data_dir().join("initial-password"))
        .unwrap()
        .trim()
        .to_string()
}

fn ready(site: &Site) -> Server {
    let mut server = site.launch().spawn();
    server.wait_ready();
    server
}

#[test]
fn a_committed_row_survives_sigterm_and_restart() {
    let site = Site::new();
    let rt = runtime();
    let mut server = ready(&site);
    let password = initial_password(&site);
    rt.block_on(async {
        let wrong = connect(site.port, "not the password").await;
        assert!(wrong.is_err(), "a wrong password was accepted");
        let client = connect(site.port, &password).await.unwrap();
        client
            .batch_execute(
                "CREATE TABLE kept (id int PRIMARY KEY, note text); \
                 INSERT INTO kept VALUES (1, 'survives');",
            )
            .await
            .unwrap();
    });
    assert_eq!(server.stop().code(), Some(0), "{}", server.stderr());
    assert!(server.stderr().contains("shut down cleanly"));

    let mut server = ready(&site);
    assert!(!server.stderr().contains("not shut down cleanly"));
    rt.block_on(async {
        let client = connect(site.port, &password).await.unwrap();
        let rows = client
            .query("SELECT id, note FROM kept", &[])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get::<_, i32>(0), 1);
        assert_eq!(rows[0].get::<_, String>(1), "survives");
    });
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn second_sigint_during_the_grace_period_exits_at_once() {
    let site = Site::new();
    let rt = runtime();
    let mut server = site
        .launch()
        .env("RUSTYDB_SHUTDOWN_GRACE", "3600")
        .env("RUSTYDB_PASSWORD", "pw-for-sigint")
        .spawn();
    server.wait_ready();
    rt.block_on(async {
        let client = connect(site.port, "pw-for-sigint").await.unwrap();
        client
            .batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (7);")
            .await
            .unwrap();
        // A statement that runs far longer than the test: the grace period waits for it.
        let long = tokio::spawn(async move {
            let _ = client
                .query(
                    "SELECT count(*) FROM generate_series(1, 1000000000000)",
                    &[],
                )
                .await;
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.signal(libc::SIGINT);
        server.wait_for_stderr("received SIGINT");
        server.signal(libc::SIGINT);
        let status = server.wait_exit();
        assert_eq!(status.code(), Some(130), "{}", server.stderr());
        long.abort();
    });

    // The next start recovers, and the committed row is there.
    let mut server = site
        .launch()
        .env("RUSTYDB_PASSWORD", "pw-for-sigint")
        .spawn();
    server.wait_ready();
    rt.block_on(async {
        let client = connect(site.port, "pw-for-sigint").await.unwrap();
        let rows = client.query("SELECT x FROM t", &[]).await.unwrap();
        assert_eq!(rows[0].get::<_, i32>(0), 7);
    });
    assert_eq!(server.stop().code(), Some(0));
}
