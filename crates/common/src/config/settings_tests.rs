//! The settings table: names, variables, parsing, flags and redaction.

use super::*;
use crate::ErrorCode;
use std::collections::BTreeSet;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The leaf keys of the serialized configuration: the settings the file can hold.
fn file_keys(value: &toml::Table, prefix: &str, out: &mut BTreeSet<String>) {
    for (key, value) in value {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(table) => file_keys(table, &name, out),
            _ => {
                out.insert(name);
            }
        }
    }
}

#[test]
fn table_names_exactly_the_fields_of_config() {
    let serialized = toml::Table::try_from(Config::default()).unwrap();
    let mut from_struct = BTreeSet::new();
    file_keys(&serialized, "", &mut from_struct);
    let from_table: BTreeSet<String> = SETTINGS.iter().map(|s| s.name.to_string()).collect();
    assert_eq!(from_struct, from_table);
}

#[test]
fn every_setting_has_an_env_var_and_set_round_trips() {
    let mut envs = BTreeSet::new();
    for setting in SETTINGS {
        assert!(
            setting.env.starts_with(ENV_PREFIX),
            "{} has env {}",
            setting.name,
            setting.env
        );
        assert!(envs.insert(setting.env), "{} used twice", setting.env);
        assert!(!setting.description.is_empty());

        // Setting the default's text changes nothing; setting another valid value
        // through the env var is visible through `get`.
        let mut config = Config::default();
        let default = setting.get(&config);
        config.set(setting.name, &default).unwrap();
        assert_eq!(config, Config::default(), "{}", setting.name);

        let other = match setting.allowed {
            Allowed::Range { min, .. } => min.to_string(),
            Allowed::OneOf(words) => words.iter().find(|w| **w != default).unwrap().to_string(),
            Allowed::IpAddress => "::1".to_string(),
            Allowed::NonEmptyPath | Allowed::OptionalPath => "/var/lib/rustydb".to_string(),
            Allowed::Text => "s3cret pass".to_string(),
            Allowed::Bool if default == "on" => "off".to_string(),
            Allowed::Bool => "on".to_string(),
        };
        let mut config = Config::default();
        config
            .apply_env_from(env(&[(setting.env, &other)]))
            .unwrap();
        assert_eq!(setting.get(&config), other, "{}", setting.env);
    }
}

#[test]
fn set_rejects_unknown_names_and_bad_values() {
    let mut config = Config::default();
    let e = config.set("server.prot", "5433").unwrap_err();
    assert_eq!(e.code(), ErrorCode::ConfigInvalid);
    assert_eq!(
        e.message(),
        "configuration validation failed: server.prot = 5433: no such setting"
    );
    let e = config.set("server.port", "80").unwrap_err();
    assert_eq!(
        e.message(),
        "configuration validation failed: server.port = 80: must be between 1024 and 65535"
    );
    assert_eq!(config, Config::default());
}

#[test]
fn env_errors_name_the_variable() {
    let mut config = Config::default();
    let e = config
        .apply_env_from(env(&[("RUSTYDB_PORT", "abc"), ("HOME", "/root")]))
        .unwrap_err();
    assert_eq!(
        e.message(),
        "configuration validation failed: RUSTYDB_PORT = abc: must be an integer between \
         1024 and 65535"
    );
    assert_eq!(e.detail(), Some("RUSTYDB_PORT sets server.port"));
    let e = config
        .apply_env_from(env(&[("RUSTYDB_WAL_SYNC", "fast")]))
        .unwrap_err();
    assert!(
        e.message()
            .ends_with("RUSTYDB_WAL_SYNC = fast: must be one of fsync, off")
    );
}

#[test]
fn env_from_the_guide_applies() {
    let mut config = Config::default();
    config
        .apply_env_from(env(&[
            ("RUSTYDB_PORT", "5433"),
            ("RUSTYDB_GRAPHQL_PORT", "8081"),
            ("RUSTYDB_BUFFER_POOL_SIZE", "1000"),
            ("RUSTYDB_DATA_DIR", "/var/lib/rustydb"),
            ("RUSTYDB_MAX_CONNECTIONS", "200"),
            ("RUSTYDB_TLS_CERT", "/path/to/server.crt"),
            ("RUSTYDB_PASSWORD", "pw"),
        ]))
        .unwrap();
    assert_eq!(config.server.port, 5433);
    assert_eq!(config.http.port, 8081);
    assert_eq!(config.storage.buffer_pool_size, 1000);
    assert_eq!(
        config.data_dir,
        std::path::PathBuf::from("/var/lib/rustydb")
    );
    assert_eq!(config.server.max_connections, 200);
    assert_eq!(
        config.tls.cert_file,
        std::path::PathBuf::from("/path/to/server.crt")
    );
    assert_eq!(config.auth.password, "pw");
    assert_eq!(
        Config::unrecognized_env_from(env(&[
            ("RUSTYDB_TLS_CERTIFICATE", "x"),
            ("RUSTYDB_PORT", "1"),
            ("PATH", "/")
        ])),
        vec!["RUSTYDB_TLS_CERTIFICATE".to_string()]
    );
}

#[test]
fn views_show_values_and_redact_secrets() {
    let mut config = Config::default();
    config.set("server.port", "6000").unwrap();
    let views = config.settings();
    assert_eq!(views.len(), SETTINGS.len());
    let port = views.iter().find(|v| v.name == "server.port").unwrap();
    assert_eq!(
        (port.value.as_str(), port.default.as_str()),
        ("6000", "5432")
    );
    assert_eq!(port.allowed, "between 1024 and 65535");
    assert_eq!(port.env, "RUSTYDB_PORT");

    let secret = Setting {
        secret: true,
        ..*Config::setting("data_dir").unwrap()
    };
    let view = SettingView::new(&secret, &config, &Config::default());
    assert_eq!(
        (view.value.as_str(), view.default.as_str()),
        (REDACTED, REDACTED)
    );

    config.set("auth.password", "hunter2").unwrap();
    let password = config
        .settings()
        .into_iter()
        .find(|v| v.name == "auth.password")
        .unwrap();
    assert!(password.secret);
    assert_eq!(password.value, REDACTED);
    assert!(!format!("{config:?}").contains("hunter2"));
}

#[test]
fn flags_are_named_in_errors_and_secrets_never_shown() {
    let mut config = Config::default();
    let e = config.set_from("--port", "server.port", "80").unwrap_err();
    assert_eq!(
        e.message(),
        "configuration validation failed: --port = 80: must be between 1024 and 65535"
    );
    assert_eq!(e.detail(), Some("--port sets server.port"));
    assert!(e.hint().unwrap().contains("--port on the command line"));
    config
        .set_from("--listen-address", "server.listen_address", "0.0.0.0")
        .unwrap();
    assert_eq!(config.server.listen_address.to_string(), "0.0.0.0");

    let e = config.set("auth.method", "md5").unwrap_err();
    assert!(
        e.message()
            .ends_with("auth.method = md5: must be one of scram-sha-256, trust")
    );
    let e = Config::from_toml("[auth]\npassword = 12345\n", std::path::Path::new("f")).unwrap_err();
    assert!(!e.to_string().contains("12345"), "{e}");
    assert!(e.message().contains("auth.password = ********"), "{e}");
}
