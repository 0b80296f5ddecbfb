//! Connections to the real `rusty-db-server` binary: the connection limit, failed
//! authentication, and TLS (tokio-postgres with rustls and `sslmode=require`, psql, and
//! `openssl s_client -starttls postgres`).

mod e2e_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e_support::{
    Options, PASSWORD, Server, connect, run_bounded, runtime, self_signed_cert, sqlstate,
};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

#[test]
fn connection_beyond_max_connections_is_refused_with_53300() {
    let server = Server::start_with(Options {
        max_connections: Some(3),
        ..Options::default()
    });
    runtime().block_on(async {
        let mut clients = Vec::new();
        // The readiness probe's connection may not be released yet: retry a refusal, bounded.
        let deadline = Instant::now() + Duration::from_secs(30);
        for i in 0..3 {
            let c = loop {
                match connect(&server.conn_str()).await {
                    Ok(c) => break c,
                    Err(e) if sqlstate(&e) == "53300" && Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("connection {i}: {e:?}"),
                }
            };
            c.simple_query("SELECT 1")
                .await
                .expect("query on an allowed connection");
            clients.push(c);
        }
        let e = connect(&server.conn_str())
            .await
            .expect_err("a 4th connection must be refused");
        assert_eq!(sqlstate(&e), "53300", "{e:?}");
        assert!(
            e.as_db_error()
                .is_some_and(|d| d.message().contains("too many")),
            "the message says why: {e:?}"
        );
        // The refused connection took nothing: the three still work, and once one closes a new
        // one gets in (the server notices the close asynchronously: retry, bounded).
        for c in &clients {
            c.simple_query("SELECT 2")
                .await
                .expect("existing connections unaffected");
        }
        drop(clients.pop());
        let deadline = Instant::now() + Duration::from_secs(30);
        let replacement = loop {
            match connect(&server.conn_str()).await {
                Ok(c) => break c,
                Err(e) if sqlstate(&e) == "53300" && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("a connection after one closed: {e:?}"),
            }
        };
        replacement
            .simple_query("SELECT 3")
            .await
            .expect("query on the replacement");
    });
}

#[test]
fn wrong_password_and_unknown_role_fail_with_28p01() {
    let server = Server::start();
    runtime().block_on(async {
        let bad = server
            .conn_str()
            .replace(&format!("password={PASSWORD}"), "password=not-the-password");
        let e = connect(&bad).await.expect_err("wrong password");
        assert_eq!(sqlstate(&e), "28P01", "{e:?}");
        assert!(
            e.as_db_error().is_some_and(
                |d| d.message() == "password authentication failed for user \"rustydb\""
            ),
            "PostgreSQL's message: {e:?}"
        );
        let nobody = server.conn_str().replace("user=rustydb", "user=e2e_nobody");
        let e = connect(&nobody).await.expect_err("unknown role");
        assert_eq!(
            sqlstate(&e),
            "28P01",
            "an unknown role looks like a wrong password: {e:?}"
        );
        // The right password still works after failures (fewer than the lockout limit).
        let client = connect(&server.conn_str()).await.expect("right password");
        let user: String = client
            .query_one("SELECT current_user::text", &[])
            .await
            .expect("current_user")
            .get(0);
        assert_eq!(user, "rustydb");
    });
}

/// A server with TLS on, its certificate and key written into a directory that lives as long
/// as the server.
fn tls_server() -> (Server, tempfile::TempDir, std::path::PathBuf) {
    let certs = tempfile::tempdir().expect("temporary directory");
    let (cert, key) = self_signed_cert(certs.path());
    // The reference PostgreSQL runs as another OS user and must read the certificate.
    std::fs::set_permissions(
        certs.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    std::fs::set_permissions(&cert, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("chmod");
    let server = Server::start_with(Options {
        tls: Some((cert.clone(), key)),
        ..Options::default()
    });
    (server, certs, cert)
}

#[test]
fn tls_with_sslmode_require_tokio_postgres_psql_and_openssl() {
    let (server, _certs, cert) = tls_server();

    // tokio-postgres over rustls, trusting exactly our self-signed certificate.
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&cert).expect("read the certificate"))
        .expect("add the certificate as a root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(config);
    runtime().block_on(async {
        let conn_str = format!("{} sslmode=require", server.conn_str());
        let (client, connection) = tokio_postgres::connect(&conn_str, tls)
            .await
            .expect("TLS connection");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let v: i32 = client
            .query_one("SELECT 40 + 2", &[])
            .await
            .expect("query over TLS")
            .get(0);
        assert_eq!(v, 42);
    });

    // psql with sslmode=require reports the TLS session.
    let mut cmd = server.client("psql");
    cmd.env("PGSSLMODE", "require").args([
        "-X",
        "-c",
        "\\conninfo",
        "-c",
        "SELECT 'over tls' AS t",
    ]);
    let out = run_bounded(cmd, Duration::from_secs(60));
    assert!(out.success(), "psql over TLS:\n{}", out.describe());
    assert!(
        out.stdout.contains("SSL connection (protocol: TLSv1."),
        "\\conninfo shows TLS:\n{}",
        out.stdout
    );
    assert!(out.stdout.contains("over tls"), "{}", out.stdout);

    // openssl's own client negotiates TLS after PostgreSQL's SSLRequest.
    let mut cmd = std::process::Command::new(e2e_support::tool("openssl"));
    cmd.args(["s_client", "-starttls", "postgres", "-connect"])
        .arg(format!("127.0.0.1:{}", server.port))
        .arg("-CAfile")
        .arg(&cert);
    let out = run_bounded(cmd, Duration::from_secs(60));
    assert!(out.success(), "openssl s_client:\n{}", out.describe());
    assert!(
        out.stdout.contains("BEGIN CERTIFICATE"),
        "the server sent its certificate:\n{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Verify return code: 0 (ok)"),
        "the certificate verifies against itself:\n{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("Cipher is") && !l.contains("(NONE)")),
        "a cipher was negotiated:\n{}",
        out.stdout
    );

    // Without TLS the same server still takes plain connections (sslmode=disable).
    let mut cmd = server.client("psql");
    cmd.env("PGSSLMODE", "disable")
        .args(["-X", "-At", "-c", "SELECT 'plain'"]);
    let out = run_bounded(cmd, Duration::from_secs(60));
    assert!(
        out.success() && out.stdout.trim() == "plain",
        "plain connection:\n{}",
        out.describe()
    );
}

#[test]
fn sslmode_require_fails_cleanly_when_tls_is_off() {
    let server = Server::start();
    let mut cmd = server.client("psql");
    cmd.env("PGSSLMODE", "require")
        .args(["-X", "-c", "SELECT 1"]);
    let out = run_bounded(cmd, Duration::from_secs(60));
    assert!(
        !out.success(),
        "sslmode=require must fail against a server without TLS"
    );
    assert!(
        out.stderr
            .contains("server does not support SSL, but SSL was required"),
        "libpq's message for an 'N' answer to SSLRequest:\n{}",
        out.describe()
    );
}
