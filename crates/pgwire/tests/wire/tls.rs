//! TLS through SSLRequest, with a self-signed certificate made for the test.

use std::sync::Arc;

use pgwire::tokio::tokio_rustls::rustls::{self, RootCertStore};
use rustydb_pgwire::{PgWireOptions, tls_acceptor};
use tokio_postgres::config::SslMode;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_require_connects_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (cert_file, key_file) = (dir.path().join("server.crt"), dir.path().join("server.key"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();

    // Clear errors that name the file.
    let missing = dir.path().join("missing.crt");
    let e = tls_acceptor(&missing, &key_file).err().unwrap();
    assert!(e.message().contains("missing.crt"), "{}", e.message());
    let e = tls_acceptor(&key_file, &key_file).err().unwrap();
    assert!(e.message().contains("server.key"), "{}", e.message());

    let ts = start(PgWireOptions {
        tls: Some(tls_acceptor(&cert_file, &key_file).unwrap()),
        ..options()
    })
    .await;
    let mut roots = RootCertStore::empty();
    roots.add(cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(config);
    let mut cfg = config_for(ts.port);
    cfg.ssl_mode(SslMode::Require);
    let (client, conn) = cfg.connect(tls).await.expect("TLS connect");
    tokio::spawn(conn);
    let row = client.query_one("SELECT 40 + 2", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 42);
}

fn config_for(port: u16) -> tokio_postgres::Config {
    config(port, "rustydb", PASSWORD)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_tls_ssl_request_is_refused_with_n() {
    let ts = start(options()).await;
    let mut cfg = config_for(ts.port);
    cfg.ssl_mode(SslMode::Prefer);
    // sslmode=prefer falls back to plain text after 'N'.
    let (client, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.query_one("SELECT 1", &[]).await.unwrap();
    let mut r = Raw::connect(ts.port).await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    r.s.write_all(&[0, 0, 0, 8, 4, 210, 22, 47]).await.unwrap();
    let mut b = [0u8; 1];
    r.s.read_exact(&mut b).await.unwrap();
    assert_eq!(b[0], b'N');
}
