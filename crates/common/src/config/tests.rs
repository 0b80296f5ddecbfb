//! Loading: the shipped file, precedence of the layers, and the errors a broken file
//! gives.

use super::*;

fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

fn parse(text: &str) -> Result<Config, DbError> {
    Config::from_toml(text, Path::new("rustydb.toml"))
}

#[test]
fn shipped_file_equals_the_defaults() {
    let shipped = Config::from_file(&repo_file(DEFAULT_CONFIG_PATH)).unwrap();
    assert_eq!(shipped, Config::default());
    shipped.validate().unwrap();
}

#[test]
fn shipped_file_and_docs_name_every_setting_and_variable() {
    let shipped = std::fs::read_to_string(repo_file(DEFAULT_CONFIG_PATH)).unwrap();
    let docs = std::fs::read_to_string(repo_file("docs/configuration.md")).unwrap();
    for setting in SETTINGS {
        assert!(
            shipped.contains(setting.env),
            "{} missing from rustydb.toml",
            setting.env
        );
        assert!(
            docs.contains(setting.env),
            "{} missing from configuration.md",
            setting.env
        );
        assert!(
            docs.contains(&format!("`{}`", setting.name)),
            "{} missing from docs",
            setting.name
        );
        let default = setting.get(&Config::default());
        assert!(
            docs.contains(&default),
            "default {default} of {} missing from docs",
            setting.name
        );
    }
}

#[test]
fn explicit_file_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let e = Config::load_with(Some(&missing), dir.path(), no_env()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ConfigInvalid);
    assert!(e.message().contains(&missing.display().to_string()), "{e}");
    assert!(e.message().contains("cannot be read"), "{e}");
}

#[test]
fn default_file_is_optional_and_used_when_present() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        Config::load_with(None, dir.path(), no_env()).unwrap(),
        Config::default()
    );

    std::fs::create_dir(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join(DEFAULT_CONFIG_PATH),
        "[server]\nport = 6000\n",
    )
    .unwrap();
    let config = Config::load_with(None, dir.path(), no_env()).unwrap();
    assert_eq!(config.server.port, 6000);
    assert_eq!(config.http, HttpConfig::default());
}

#[test]
fn environment_overrides_file_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("my.toml");
    std::fs::write(&file, "[server]\nport = 6000\nmax_connections = 10\n").unwrap();
    let env = vec![("RUSTYDB_PORT".to_string(), "7000".to_string())];
    let config = Config::load_with(Some(Path::new("my.toml")), dir.path(), env).unwrap();
    assert_eq!(config.server.port, 7000);
    assert_eq!(config.server.max_connections, 10);
    assert_eq!(config.storage, StorageConfig::default());
}

#[test]
fn flags_override_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("my.toml");
    std::fs::write(&file, "[server]\nport = 6000\nmax_connections = 10\n").unwrap();
    let env = vec![
        ("RUSTYDB_PORT".to_string(), "7000".to_string()),
        ("RUSTYDB_MAX_CONNECTIONS".to_string(), "20".to_string()),
    ];
    let config =
        Config::load_with_env_and_flags(Some(Path::new("my.toml")), dir.path(), env, |c| {
            c.set_from("--port", "server.port", "8000")
        })
        .unwrap();
    assert_eq!(config.server.port, 8000);
    assert_eq!(config.server.max_connections, 20);

    // The whole result is validated after the flags: a flag can make it invalid.
    let e = Config::load_with_env_and_flags(None, dir.path(), no_env(), |c| {
        c.set_from("--graphql-port", "http.port", "5432")
    })
    .unwrap_err();
    assert!(
        e.message()
            .ends_with("http.port = 5432: must differ from server.port (5432)")
    );
}

#[test]
fn load_validates_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![("RUSTYDB_GRAPHQL_PORT".to_string(), "5432".to_string())];
    let e = Config::load_with(None, dir.path(), env).unwrap_err();
    assert!(
        e.message()
            .ends_with("http.port = 5432: must differ from server.port (5432)")
    );
}

#[test]
fn unknown_key_is_named() {
    let e = parse("[server]\nport = 5433\nprot = 5434\n").unwrap_err();
    assert_eq!(e.code(), ErrorCode::ConfigInvalid);
    assert_eq!(
        e.message(),
        "configuration validation failed: server.prot = 5434: unknown setting"
    );
    let detail = e.detail().unwrap();
    assert!(
        detail.starts_with("rustydb.toml at line 3, column 1: unknown field `prot`"),
        "{detail}"
    );

    let e = parse("[sever]\nport = 1\n").unwrap_err();
    assert!(
        e.message()
            .contains("sever = { port = 1 }: unknown setting"),
        "{e}"
    );
}

#[test]
fn wrong_type_names_the_field_and_the_rule() {
    let e = parse("[server]\nport = \"abc\"\n").unwrap_err();
    assert_eq!(
        e.message(),
        "configuration validation failed: server.port = \"abc\": must be between 1024 and 65535"
    );
    assert!(
        e.detail()
            .unwrap()
            .contains("line 2, column 8: invalid type: string")
    );

    let e = parse("[server]\nport = 70000\n").unwrap_err();
    assert!(
        e.message()
            .ends_with("server.port = 70000: must be between 1024 and 65535")
    );

    let e = parse("[storage]\nio_backend = \"uring\"\n").unwrap_err();
    assert!(
        e.message()
            .ends_with("storage.io_backend = \"uring\": must be one of pread, io_uring")
    );

    let e = parse("[server]\nlisten_address = \"localhost\"\n").unwrap_err();
    assert!(
        e.message()
            .ends_with("= \"localhost\": must be an IP address"),
        "{e}"
    );

    let e = parse("server = 5\n").unwrap_err();
    assert!(
        e.message()
            .starts_with("configuration validation failed: server = 5: invalid type")
    );
}

#[test]
fn syntax_error_names_the_file_and_line() {
    let e = parse("[server\nport = 1\n").unwrap_err();
    assert!(
        e.message().starts_with(
            "configuration validation failed: config_file = rustydb.toml: invalid TOML at line 1"
        ),
        "{e}"
    );
}

#[test]
fn out_of_range_value_in_file_fails_validation_not_parsing() {
    let config = parse("[server]\nport = 80\n").unwrap();
    let e = config.validate().unwrap_err();
    assert_eq!(
        e.to_string(),
        "ERR-DB-007: configuration validation failed: server.port = 80: must be between 1024 \
         and 65535"
    );
}

#[test]
fn log_dir_is_inside_the_data_dir() {
    assert_eq!(Config::default().log_dir(), PathBuf::from("./data/logs"));
}
