//! Session settings: `SET`, `SHOW`, `RESET`, with PostgreSQL's names, units and errors.
//!
//! Each setting has a default, a validator that normalises the value as PostgreSQL
//! prints it (`SET statement_timeout = 1500` shows `1500ms`, `'2min'` shows `2min`), and
//! a flag saying whether users may change it. Unknown names are 42704
//! `unrecognized configuration parameter "x"`; read-only ones are 55P02
//! `parameter "x" cannot be changed`.

use std::collections::BTreeMap;
use std::time::Duration;

use rustydb_common::{DbError, ErrorCode};

/// The PostgreSQL version RustyDB reports (drivers and psql switch behaviour on it).
pub const SERVER_VERSION: &str = "15.0";

fn invalid(name: &str, value: &str, why: &str) -> DbError {
    DbError::from_template(
        ErrorCode::InvalidParameter,
        &[(
            "reason",
            &format!("invalid value for parameter \"{name}\": \"{value}\""),
        )],
    )
    .with_hint(why.to_string())
}

/// Parses a time with PostgreSQL's units (`ms` default): `1500`, `'30s'`, `'5min'`,
/// `'1h'`, `'1d'`. Returns milliseconds.
pub fn parse_duration_ms(name: &str, v: &str) -> Result<u64, DbError> {
    let t = v.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| {
        invalid(
            name,
            v,
            "Valid units are \"us\", \"ms\", \"s\", \"min\", \"h\" and \"d\".",
        )
    })?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => {
            return Err(invalid(
                name,
                v,
                "Valid units are \"us\", \"ms\", \"s\", \"min\", \"h\" and \"d\".",
            ));
        }
    };
    if n < 0.0 {
        return Err(invalid(name, v, "The value must not be negative."));
    }
    Ok((n * factor).round() as u64)
}

/// Formats milliseconds as PostgreSQL shows a time setting.
pub fn format_duration_ms(ms: u64) -> String {
    if ms == 0 {
        "0".into()
    } else if ms.is_multiple_of(86_400_000) {
        format!("{}d", ms / 86_400_000)
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Parses a memory size with PostgreSQL's units (`kB` default): `4096`, `'4MB'`.
/// Returns bytes.
pub fn parse_memory(name: &str, v: &str) -> Result<u64, DbError> {
    let t = v.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| {
        invalid(
            name,
            v,
            "Valid units are \"B\", \"kB\", \"MB\", \"GB\" and \"TB\".",
        )
    })?;
    let factor: u64 = match unit.trim() {
        "" | "kB" => 1 << 10,
        "B" => 1,
        "MB" => 1 << 20,
        "GB" => 1 << 30,
        "TB" => 1 << 40,
        _ => {
            return Err(invalid(
                name,
                v,
                "Valid units are \"B\", \"kB\", \"MB\", \"GB\" and \"TB\".",
            ));
        }
    };
    if n.checked_mul(factor).is_none_or(|b| b < 64 << 10) {
        return Err(invalid(name, v, "The minimum is 64kB."));
    }
    Ok(n * factor)
}

fn format_memory(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 30) {
        format!("{}GB", bytes >> 30)
    } else if bytes.is_multiple_of(1 << 20) {
        format!("{}MB", bytes >> 20)
    } else {
        format!("{}kB", bytes >> 10)
    }
}

fn normalise(name: &str, value: &str) -> Result<String, DbError> {
    let v = value.trim();
    Ok(match name {
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => {
            format_duration_ms(parse_duration_ms(name, v)?)
        }
        "work_mem" => format_memory(parse_memory(name, v)?),
        "default_transaction_isolation" | "transaction_isolation" => {
            let iso = rustydb_txn::IsolationLevel::parse(v)
                .ok_or_else(|| invalid(name, v, "Available values: serializable, repeatable read, read committed, read uncommitted."))?;
            iso.as_sql().to_string()
        }
        "client_encoding" => match v.to_ascii_uppercase().replace('-', "").as_str() {
            "UTF8" | "UNICODE" => "UTF8".into(),
            _ => {
                return Err(DbError::new(
                    ErrorCode::FeatureNotSupported,
                    format!("conversion to encoding \"{v}\" is not supported"),
                )
                .with_sqlstate("0A000")
                .with_hint("RustyDB speaks UTF8 only."));
            }
        },
        "TimeZone" => match v.to_ascii_uppercase().as_str() {
            "UTC" | "GMT" | "Z" | "ETC/UTC" | "+00" | "00:00" => "UTC".into(),
            _ => {
                return Err(invalid(
                    name,
                    v,
                    "RustyDB evaluates times in UTC; only TimeZone = UTC is supported.",
                ));
            }
        },
        "DateStyle" => {
            let up = v.to_ascii_uppercase();
            if up.contains("ISO") || up == "MDY" || up.is_empty() {
                "ISO, MDY".into()
            } else {
                return Err(invalid(name, v, "Only the ISO date style is supported."));
            }
        }
        "extra_float_digits" => {
            let n: i32 = v
                .parse()
                .map_err(|_| invalid(name, v, "An integer from -15 to 3."))?;
            if !(-15..=3).contains(&n) {
                return Err(invalid(name, v, "An integer from -15 to 3."));
            }
            n.to_string()
        }
        "standard_conforming_strings"
        | "synchronize_seqscans"
        | "row_security"
        | "enable_seqscan"
        | "enable_indexscan"
        | "enable_hashjoin"
        | "enable_nestloop"
        | "enable_mergejoin"
        | "jit" => match v.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => "on".into(),
            "off" | "false" | "no" | "0" => "off".into(),
            _ => return Err(invalid(name, v, "A boolean: on or off.")),
        },
        _ => v.trim_matches('\'').to_string(),
    })
}

/// A session's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    values: BTreeMap<&'static str, String>,
    defaults: BTreeMap<&'static str, String>,
}

/// `(name, default, user-settable)`.
const KNOWN: &[(&str, &str, bool)] = &[
    ("application_name", "", true),
    ("bytea_output", "hex", true),
    ("client_encoding", "UTF8", true),
    ("client_min_messages", "notice", true),
    ("DateStyle", "ISO, MDY", true),
    ("default_transaction_isolation", "read committed", true),
    ("extra_float_digits", "1", true),
    ("idle_in_transaction_session_timeout", "0", true),
    ("integer_datetimes", "on", false),
    ("IntervalStyle", "postgres", true),
    ("jit", "off", true),
    ("lock_timeout", "0", true),
    ("max_connections", "100", false),
    ("max_identifier_length", "63", false),
    ("search_path", "\"$user\", public", true),
    ("server_encoding", "UTF8", false),
    ("server_version", SERVER_VERSION, false),
    ("server_version_num", "150000", false),
    ("standard_conforming_strings", "on", true),
    ("statement_timeout", "0", true),
    ("TimeZone", "UTC", true),
    ("transaction_isolation", "read committed", true),
    ("work_mem", "64MB", true),
];

/// The canonical spelling of a known setting (`TimeZone` for `timezone`).
pub fn canonical_name(name: &str) -> Option<&'static str> {
    canonical(name)
}

/// Whether a session may change the setting (`pg_settings.context` = `user`); read-only
/// ones report the server (`internal`).
pub fn is_settable(name: &str) -> bool {
    KNOWN
        .iter()
        .any(|(n, _, settable)| *settable && n.eq_ignore_ascii_case(name))
}

/// The built-in default of a known setting (`pg_settings.boot_val`).
pub fn default_value(name: &str) -> Option<String> {
    KNOWN
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, d, _)| (*d).to_string())
}

fn canonical(name: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .map(|(n, _, _)| *n)
        .find(|n| n.eq_ignore_ascii_case(name))
}

fn unknown(name: &str) -> DbError {
    DbError::new(
        ErrorCode::UndefinedObject,
        format!("unrecognized configuration parameter \"{name}\""),
    )
    .with_sqlstate("42704")
    .with_hint("SHOW ALL lists the parameters RustyDB knows.")
}

impl Default for Settings {
    fn default() -> Settings {
        let defaults: BTreeMap<&'static str, String> =
            KNOWN.iter().map(|(n, d, _)| (*n, d.to_string())).collect();
        Settings {
            values: defaults.clone(),
            defaults,
        }
    }
}

impl Settings {
    /// Settings with server-wide defaults for the timeouts and isolation level.
    pub fn with_server_defaults(config: &rustydb_txn::TxnConfig, max_connections: u32) -> Settings {
        let mut s = Settings::default();
        let ms = |d: Option<Duration>| format_duration_ms(d.map_or(0, |d| d.as_millis() as u64));
        for (name, value) in [
            ("statement_timeout", ms(config.statement_timeout)),
            ("lock_timeout", ms(config.lock_timeout)),
            (
                "idle_in_transaction_session_timeout",
                ms(config.idle_in_transaction_timeout),
            ),
            (
                "default_transaction_isolation",
                config.default_isolation.as_sql().to_string(),
            ),
            ("max_connections", max_connections.to_string()),
        ] {
            s.values
                .insert(canonical(name).expect("known"), value.clone());
            s.defaults.insert(canonical(name).expect("known"), value);
        }
        s
    }

    /// `SET name = value`.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), DbError> {
        let key = canonical(name).ok_or_else(|| unknown(name))?;
        let settable = KNOWN.iter().any(|(n, _, s)| *n == key && *s);
        if !settable {
            return Err(DbError::new(
                ErrorCode::InvalidParameter,
                format!("parameter \"{key}\" cannot be changed"),
            )
            .with_sqlstate("55P02"));
        }
        let v = normalise(key, value)?;
        self.values.insert(key, v);
        Ok(())
    }

    /// `RESET name`.
    pub fn reset(&mut self, name: &str) -> Result<(), DbError> {
        let key = canonical(name).ok_or_else(|| unknown(name))?;
        let d = self.defaults.get(key).cloned().unwrap_or_default();
        self.values.insert(key, d);
        Ok(())
    }

    /// `RESET ALL`.
    pub fn reset_all(&mut self) {
        self.values = self.defaults.clone();
    }

    /// `SHOW name`: the value as PostgreSQL prints it.
    pub fn get(&self, name: &str) -> Result<String, DbError> {
        let key = canonical(name).ok_or_else(|| unknown(name))?;
        Ok(self.values.get(key).cloned().unwrap_or_default())
    }

    /// `SHOW ALL`: every parameter and its value.
    pub fn all(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// A time setting as a duration (`None`: off).
    pub fn duration(&self, name: &str) -> Option<Duration> {
        let ms = parse_duration_ms(name, &self.get(name).ok()?).ok()?;
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    /// `work_mem` in bytes.
    pub fn work_mem(&self) -> usize {
        parse_memory("work_mem", &self.get("work_mem").unwrap_or_default()).unwrap_or(64 << 20)
            as usize
    }

    /// `search_path` as schema names (`$user` dropped: there are no per-user schemas).
    pub fn search_path(&self) -> Vec<String> {
        self.get("search_path")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty() && s != "$user")
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_show_with_postgres_units_and_errors() {
        let mut s = Settings::default();
        s.set("statement_timeout", "1500").unwrap();
        assert_eq!(s.get("STATEMENT_TIMEOUT").unwrap(), "1500ms");
        s.set("statement_timeout", "2min").unwrap();
        assert_eq!(s.get("statement_timeout").unwrap(), "2min");
        assert_eq!(
            s.duration("statement_timeout"),
            Some(Duration::from_secs(120))
        );
        s.set("work_mem", "4MB").unwrap();
        assert_eq!(s.work_mem(), 4 << 20);
        let e = s.set("nonsense", "1").unwrap_err();
        assert_eq!(
            (e.sqlstate(), e.message()),
            ("42704", "unrecognized configuration parameter \"nonsense\"")
        );
        assert_eq!(
            s.set("server_version", "9").unwrap_err().sqlstate(),
            "55P02"
        );
        assert_eq!(
            s.set("statement_timeout", "soon").unwrap_err().sqlstate(),
            "22023"
        );
        s.set("default_transaction_isolation", "SERIALIZABLE")
            .unwrap();
        assert_eq!(
            s.get("default_transaction_isolation").unwrap(),
            "serializable"
        );
        assert_eq!(s.search_path(), vec!["public".to_string()]);
        s.reset_all();
        assert_eq!(s.get("statement_timeout").unwrap(), "0");
    }
}
