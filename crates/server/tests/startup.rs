//! The real `rusty-db-server` binary: flags, first start, configuration precedence, and
//! every start-up failure as one line on stderr with a non-zero exit.

mod server_harness;

use std::fs;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;

use server_harness::{Launch, Site, free_port};

#[test]
fn version_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Launch::new(dir.path()).args(["--version"]).run_to_exit();
    assert_eq!(s.wait_exit().code(), Some(0));
    assert_eq!(
        s.stdout().trim(),
        format!("rusty-db-server {}", env!("CARGO_PKG_VERSION"))
    );

    let mut s = Launch::new(dir.path()).args(["--help"]).run_to_exit();
    assert_eq!(s.wait_exit().code(), Some(0));
    let help = s.stdout();
    for flag in [
        "--config <FILE>",
        "--data-dir <DIR>",
        "--port <PORT>",
        "--graphql-port <PORT>",
        "--listen-address <ADDRESS>",
        "--recovery-mode",
        "--version",
        "--help",
        "HTTP server",
        "RUSTYDB_PORT",
        "default: 5432",
        "default: 8080",
        "default: 127.0.0.1",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }

    let mut s = Launch::new(dir.path()).args(["--prot", "1"]).run_to_exit();
    assert_eq!(s.wait_exit().code(), Some(2));
    // Nothing was created: usage errors stop before the data directory is touched.
    assert!(!dir.path().join("data").exists());
}

#[test]
fn first_start_initialises_and_prints_the_password_once() {
    let site = Site::new();
    let mut server = site.launch().spawn();
    server.wait_ready();
    let file = site.data_dir().join("initial-password");
    let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let password = fs::read_to_string(&file).unwrap().trim().to_string();
    assert!(password.len() >= 24, "{password:?}");
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    let stdout = server.stdout();
    assert_eq!(stdout.matches(&password).count(), 1, "{stdout}");
    assert!(stdout.contains(&file.display().to_string()), "{stdout}");
    // Never in the logs.
    let log = fs::read_to_string(site.data_dir().join("logs/rustydb.log")).unwrap();
    assert!(!log.contains(&password));
    assert!(log.contains("ready to accept connections"), "{log}");
    assert!(log.contains("effective settings:"), "{log}");
    assert!(site.data_dir().join("global/control").exists());
    assert_eq!(server.stop().code(), Some(0));

    let mut again = site.launch().spawn();
    again.wait_ready();
    assert_eq!(again.stop().code(), Some(0));
    assert!(!again.stdout().contains("password"), "{}", again.stdout());
    assert_eq!(fs::read_to_string(&file).unwrap().trim(), password);
    assert!(!site.data_dir().join("initial-password.tmp").exists());
}

#[test]
fn configured_password_is_used_and_not_written() {
    let site = Site::new();
    let mut server = site
        .launch()
        .env("RUSTYDB_PASSWORD", "correct horse battery")
        .spawn();
    server.wait_ready();
    assert_eq!(server.stop().code(), Some(0));
    assert!(!site.data_dir().join("initial-password").exists());
    assert!(
        !server.stdout().contains("password:"),
        "{}",
        server.stdout()
    );
    let log = fs::read_to_string(site.data_dir().join("logs/rustydb.log")).unwrap();
    assert!(!log.contains("correct horse"), "{log}");
    assert!(log.contains("auth.password=********"), "{log}");
    let audit = fs::read_to_string(site.data_dir().join("logs/security_audit.log")).unwrap();
    assert!(audit.contains("from auth.password"), "{audit}");
}

#[test]
fn port_in_use_is_one_line_naming_address_port_and_flag() {
    let site = Site::new();
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, site.port)).unwrap();
    let mut server = site.launch().run_to_exit();
    let line = server.assert_failed_with("ERR-DB-009");
    assert!(line.contains(&format!("127.0.0.1:{}", site.port)), "{line}");
    assert!(
        line.contains("--port") && line.contains("RUSTYDB_PORT"),
        "{line}"
    );
    // Failed before touching the data directory.
    assert!(!site.data_dir().exists());
    drop(taken);
}

#[test]
fn locked_data_directory_names_the_holder_and_is_released_at_shutdown() {
    let site = Site::new();
    let mut first = site.launch().spawn();
    first.wait_ready();

    let other_port = free_port();
    let mut second = Launch::new(site.dir.path())
        .args(["--data-dir", &site.data_dir().display().to_string()])
        .args(["--port", &other_port.to_string()])
        .run_to_exit();
    let line = second.assert_failed_with("ERR-DB-006");
    assert!(line.contains(&format!("pid {}", first.pid())), "{line}");

    assert_eq!(first.stop().code(), Some(0));
    // The lock went with the first server: a new one opens the same directory.
    let mut third = site.launch().spawn();
    third.wait_ready();
    assert_eq!(third.stop().code(), Some(0));
}

#[test]
fn corrupt_control_file_is_one_line() {
    let site = Site::new();
    let mut server = site.launch().spawn();
    server.wait_ready();
    assert_eq!(server.stop().code(), Some(0));
    let control = site.data_dir().join("global/control");
    let mut bytes = fs::read(&control).unwrap();
    for b in bytes.iter_mut().take(64) {
        *b ^= 0x5a;
    }
    fs::write(&control, &bytes).unwrap();
    let mut server = site.launch().run_to_exit();
    let line = server.assert_failed_with("ERR-DB-001");
    assert!(line.contains("control"), "{line}");
    // Logged as well as printed.
    let errors = fs::read_to_string(site.data_dir().join("logs/error.log")).unwrap();
    assert!(errors.contains("ERR-DB-001"), "{errors}");
}

#[test]
fn bad_configuration_names_field_value_and_range() {
    let site = Site::new();
    let file = site.dir.path().join("bad.toml");
    fs::write(&file, "[server]\nport = 80\n").unwrap();
    let config = file.display().to_string();

    // In the file.
    let mut server = Launch::new(site.dir.path())
        .args(["--config", &config])
        .run_to_exit();
    let line = server.assert_failed_with("ERR-DB-007");
    assert!(
        line.contains("server.port = 80: must be between 1024 and 65535"),
        "{line}"
    );

    // In the environment, naming the variable.
    let mut server = site.launch().env("RUSTYDB_PORT", "abc").run_to_exit();
    let line = server.assert_failed_with("ERR-DB-007");
    assert!(line.contains("RUSTYDB_PORT = abc"), "{line}");

    // On the command line, naming the flag.
    let mut server = Launch::new(site.dir.path())
        .args(["--port", "80"])
        .run_to_exit();
    let line = server.assert_failed_with("ERR-DB-007");
    assert!(
        line.contains("--port = 80: must be between 1024 and 65535"),
        "{line}"
    );
    assert!(
        line.contains("(hint: Fix the value given to --port"),
        "{line}"
    );

    // TLS needs both files.
    let mut server = site
        .launch()
        .env("RUSTYDB_TLS_CERT", "/nonexistent/server.crt")
        .run_to_exit();
    let line = server.assert_failed_with("ERR-DB-007");
    assert!(line.contains("tls.key_file"), "{line}");
    assert!(!site.data_dir().exists());
}

#[test]
fn unreadable_tls_files_are_one_line_naming_the_file() {
    let site = Site::new();
    let mut server = site
        .launch()
        .env("RUSTYDB_TLS_CERT", "/nonexistent/server.crt")
        .env("RUSTYDB_TLS_KEY", "/nonexistent/server.key")
        .spawn();
    let line = server.assert_failed_with("SEC-006");
    assert!(line.contains("/nonexistent/server."), "{line}");
    assert!(!site.data_dir().exists());
}

#[test]
fn precedence_flag_over_env_over_file() {
    let site = Site::new();
    let (file_port, env_port) = (free_port(), free_port());
    let file = site.dir.path().join("rustydb.toml");
    fs::write(
        &file,
        format!(
            "[server]\nport = {file_port}\n[http]\nport = {}\n",
            site.http_port
        ),
    )
    .unwrap();
    let data = site.data_dir().display().to_string();
    let config = file.display().to_string();
    let base = || {
        Launch::new(site.dir.path())
            .args(["--config", &config])
            .args(["--data-dir", &data])
    };

    let mut server = base().spawn();
    server.wait_ready();
    assert!(server.stderr().contains(&format!("127.0.0.1:{file_port}")));
    TcpStream::connect((Ipv4Addr::LOCALHOST, file_port)).unwrap();
    assert_eq!(server.stop().code(), Some(0));

    let mut server = base().env("RUSTYDB_PORT", &env_port.to_string()).spawn();
    server.wait_ready();
    assert!(server.stderr().contains(&format!("127.0.0.1:{env_port}")));
    TcpStream::connect((Ipv4Addr::LOCALHOST, env_port)).unwrap();
    assert_eq!(server.stop().code(), Some(0));

    let mut server = base()
        .env("RUSTYDB_PORT", &env_port.to_string())
        .args(["--port", &site.port.to_string()])
        .spawn();
    server.wait_ready();
    assert!(
        server
            .stderr()
            .contains(&format!("127.0.0.1:{}", site.port))
    );
    assert!(
        server
            .stderr()
            .contains(&format!("server.port={}", site.port))
    );
    TcpStream::connect((Ipv4Addr::LOCALHOST, site.port)).unwrap();
    assert_eq!(server.stop().code(), Some(0));

    // The default file in the working directory is read without --config.
    fs::create_dir(site.dir.path().join("config")).unwrap();
    fs::rename(&file, site.dir.path().join("config/rustydb.toml")).unwrap();
    let mut server = Launch::new(site.dir.path())
        .args(["--data-dir", &data])
        .spawn();
    server.wait_ready();
    assert!(server.stderr().contains(&format!("127.0.0.1:{file_port}")));
    assert!(
        server
            .stderr()
            .contains("configuration file: config/rustydb.toml")
    );
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn trust_is_logged_as_a_warning_in_the_audit_log() {
    let site = Site::new();
    let mut server = site.launch().env("RUSTYDB_AUTH_METHOD", "trust").spawn();
    server.wait_ready();
    assert_eq!(server.stop().code(), Some(0));
    let audit = fs::read_to_string(site.data_dir().join("logs/security_audit.log")).unwrap();
    assert!(audit.contains("WARN"), "{audit}");
    assert!(audit.contains("auth.method = trust"), "{audit}");
}

#[test]
fn sigint_shuts_down_cleanly_and_a_second_start_is_not_a_recovery() {
    let site = Site::new();
    let mut server = site.launch().spawn();
    server.wait_ready();
    server.signal(libc::SIGINT);
    assert_eq!(server.wait_exit().code(), Some(0), "{}", server.stderr());
    assert!(server.stderr().contains("shut down cleanly"));
    let mut again = site.launch().spawn();
    again.wait_ready();
    assert!(
        !again.stderr().contains("not shut down cleanly"),
        "{}",
        again.stderr()
    );
    assert_eq!(again.stop().code(), Some(0));
}
