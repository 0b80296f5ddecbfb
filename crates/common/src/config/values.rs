//! The value types of settings and the rule each setting's value must obey.
//!
//! A rule ([`Allowed`]) is written once and used three times: to check a value when it is
//! set from the environment or a flag, to check the whole configuration in
//! [`Config::validate`](super::Config::validate), and to tell the operator what is allowed
//! (error messages, `show-config`, the documentation table). Keeping the three together is
//! what stops "must be between 1024 and 65535" in a message from drifting away from the
//! check that produced it.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What values a setting accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Allowed {
    /// An integer in `min..=max`.
    Range {
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
    },
    /// One of the listed words, exactly as written.
    OneOf(&'static [&'static str]),
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A path that is not empty.
    NonEmptyPath,
    /// A path, or empty for none.
    OptionalPath,
    /// Any text, or empty for none.
    Text,
    /// A boolean: `on`/`off`, `true`/`false`, `yes`/`no`, `1`/`0` (as PostgreSQL's
    /// settings accept).
    Bool,
}

impl Allowed {
    /// The reason given when a value breaks this rule, e.g. "must be between 1024 and
    /// 65535".
    pub fn requirement(&self) -> String {
        format!("must be {self}")
    }

    /// Checks an integer against a [`Allowed::Range`]; other rules accept any integer.
    pub fn check_int(&self, value: u64) -> Result<(), String> {
        match *self {
            Allowed::Range { min, max } if !(min..=max).contains(&value) => Err(self.requirement()),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Allowed::Range { min, max } => write!(f, "between {min} and {max}"),
            Allowed::OneOf(words) => write!(f, "one of {}", words.join(", ")),
            Allowed::IpAddress => f.write_str("an IP address"),
            Allowed::NonEmptyPath => f.write_str("a non-empty path"),
            Allowed::OptionalPath => f.write_str("a path, or empty for none"),
            Allowed::Text => f.write_str("any text, or empty for none"),
            Allowed::Bool => f.write_str("on or off (true/false, yes/no, 1/0)"),
        }
    }
}

/// The allowed range of every bounded setting, shared by the settings table and
/// validation.
pub(crate) mod limits {
    use super::Allowed;

    /// TCP ports below 1024 need root; the server never runs as root.
    pub(crate) const PORT: Allowed = Allowed::Range {
        min: 1024,
        max: 65535,
    };
    /// Client connections.
    pub(crate) const MAX_CONNECTIONS: Allowed = Allowed::Range {
        min: 1,
        max: 10_000,
    };
    /// 8 KiB pages: 128 KiB up to 512 GiB.
    pub(crate) const BUFFER_POOL_SIZE: Allowed = Allowed::Range {
        min: 16,
        max: 67_108_864,
    };
    /// Seconds: one second up to one day.
    pub(crate) const CHECKPOINT_INTERVAL: Allowed = Allowed::Range {
        min: 1,
        max: 86_400,
    };
    /// MiB of WAL: 16 MiB up to 1 TiB.
    pub(crate) const CHECKPOINT_MAX_WAL: Allowed = Allowed::Range {
        min: 16,
        max: 1_048_576,
    };
    /// Seconds of idleness; 0 is off, the maximum is PostgreSQL's (`INT_MAX` ms).
    pub(crate) const IDLE_SESSION_TIMEOUT: Allowed = Allowed::Range {
        min: 0,
        max: 2_147_483,
    };
    /// Seconds of grace at shutdown: none up to an hour.
    pub(crate) const SHUTDOWN_GRACE: Allowed = Allowed::Range { min: 0, max: 3600 };
    /// Failed logins in a row before a lockout; 0 never locks.
    pub(crate) const MAX_FAILED_LOGINS: Allowed = Allowed::Range { min: 0, max: 1000 };
    /// Requests per minute per API token and per client address; 0 turns limiting off.
    pub(crate) const HTTP_RATE_LIMIT: Allowed = Allowed::Range {
        min: 0,
        max: 1_000_000,
    };
    /// Bytes of an HTTP request body: 1 KiB up to 1 GiB.
    pub(crate) const HTTP_MAX_BODY: Allowed = Allowed::Range {
        min: 1024,
        max: 1_073_741_824,
    };
    /// Rows one HTTP query may produce in all its pages.
    pub(crate) const HTTP_MAX_RESULT_ROWS: Allowed = Allowed::Range {
        min: 1,
        max: 10_000_000,
    };
    /// Rows in one page of an HTTP query result.
    pub(crate) const HTTP_PAGE_SIZE: Allowed = Allowed::Range {
        min: 1,
        max: 1_000_000,
    };
    /// Milliseconds an HTTP statement may run; 0 is no limit; at most a day.
    pub(crate) const HTTP_STATEMENT_TIMEOUT: Allowed = Allowed::Range {
        min: 0,
        max: 86_400_000,
    };
    /// Seconds an HTTP transaction or result cursor may sit idle: one second up to a day.
    pub(crate) const HTTP_IDLE_TIMEOUT: Allowed = Allowed::Range {
        min: 1,
        max: 86_400,
    };
    /// Nesting depth of a GraphQL query.
    pub(crate) const GRAPHQL_MAX_DEPTH: Allowed = Allowed::Range { min: 1, max: 1000 };
    /// Complexity (fields counted) of a GraphQL query.
    pub(crate) const GRAPHQL_MAX_COMPLEXITY: Allowed = Allowed::Range {
        min: 1,
        max: 1_000_000,
    };
    /// Milliseconds; statements running at least this long are logged as slow.
    pub(crate) const SLOW_QUERY_THRESHOLD: Allowed = Allowed::Range {
        min: 0,
        max: 86_400_000,
    };
    /// Seconds of lockout: one second up to a week.
    pub(crate) const LOCKOUT_SECONDS: Allowed = Allowed::Range {
        min: 1,
        max: 604_800,
    };
}

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $word:literal, )* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $word)] $variant, )*
        }

        impl $name {
            /// Every accepted word, in declaration order.
            pub const WORDS: &'static [&'static str] = &[$($word),*];

            /// The word for this value, as written in the configuration file.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $( $word => Ok($name::$variant), )*
                    _ => Err(Allowed::OneOf($name::WORDS).requirement()),
                }
            }
        }
    };
}

word_enum! {
    /// How the storage layer reads and writes data files.
    IoBackend {
        /// Blocking `pread`/`pwrite`: works everywhere.
        #[default]
        Pread = "pread",
        /// Linux `io_uring`: fewer system calls under load; Linux only.
        IoUring = "io_uring",
    }
}

word_enum! {
    /// When a commit is acknowledged relative to the durability of its WAL.
    WalSync {
        /// A commit waits until its WAL records are on disk (`fdatasync`).
        #[default]
        Fsync = "fsync",
        /// A commit does not wait for `fdatasync`: WAL is handed to the operating system
        /// and synced at checkpoints. Survives a crash of the server process, not a power
        /// loss or kernel crash, which can lose recently acknowledged commits.
        Off = "off",
    }
}

word_enum! {
    /// How much the server logs, from least to most.
    LogLevel {
        /// Only errors.
        Error = "error",
        /// Errors and warnings.
        Warn = "warn",
        /// Errors, warnings and normal operation (start-up, checkpoints, connections).
        #[default]
        Info = "info",
        /// Also details useful when diagnosing a problem.
        Debug = "debug",
        /// Everything, including per-statement and per-page events.
        Trace = "trace",
    }
}

word_enum! {
    /// How clients of the PostgreSQL protocol authenticate.
    AuthMethod {
        /// SCRAM-SHA-256 with the role's password, as PostgreSQL's `scram-sha-256`.
        #[default]
        ScramSha256 = "scram-sha-256",
        /// No password: anyone who reaches the port logs in as any role. Development only.
        Trust = "trust",
    }
}

/// A type a setting can hold: parsed from the text of an environment variable or a
/// command-line flag, and rendered for `show-config`.
pub(crate) trait SettingValue: Sized {
    /// Parses `raw` and checks it against `allowed`; the error is the reason shown to the
    /// operator.
    fn parse_setting(raw: &str, allowed: &Allowed) -> Result<Self, String>;
    /// The value as an operator would write it.
    fn render(&self) -> String;
}

macro_rules! int_setting {
    ($($t:ty),*) => {$(
        impl SettingValue for $t {
            fn parse_setting(raw: &str, allowed: &Allowed) -> Result<Self, String> {
                let wide: u64 = raw
                    .trim()
                    .parse()
                    .map_err(|_| format!("must be an integer {allowed}"))?;
                allowed.check_int(wide)?;
                <$t>::try_from(wide).map_err(|_| allowed.requirement())
            }

            fn render(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

int_setting!(u16, u32, u64);

impl SettingValue for IpAddr {
    fn parse_setting(raw: &str, allowed: &Allowed) -> Result<Self, String> {
        raw.trim().parse().map_err(|_| allowed.requirement())
    }

    fn render(&self) -> String {
        self.to_string()
    }
}

impl SettingValue for PathBuf {
    fn parse_setting(raw: &str, allowed: &Allowed) -> Result<Self, String> {
        if raw.is_empty() && *allowed == Allowed::NonEmptyPath {
            return Err(allowed.requirement());
        }
        Ok(PathBuf::from(raw))
    }

    fn render(&self) -> String {
        self.display().to_string()
    }
}

impl SettingValue for String {
    fn parse_setting(raw: &str, _allowed: &Allowed) -> Result<Self, String> {
        // Taken as given: leading or trailing spaces may be part of a password.
        Ok(raw.to_string())
    }

    fn render(&self) -> String {
        self.clone()
    }
}

macro_rules! word_setting {
    ($($t:ty),*) => {$(
        impl SettingValue for $t {
            fn parse_setting(raw: &str, _allowed: &Allowed) -> Result<Self, String> {
                raw.trim().parse()
            }

            fn render(&self) -> String {
                self.as_str().to_string()
            }
        }
    )*};
}

word_setting!(IoBackend, WalSync, LogLevel, AuthMethod);

impl SettingValue for bool {
    fn parse_setting(raw: &str, allowed: &Allowed) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Ok(true),
            "off" | "false" | "no" | "0" => Ok(false),
            _ => Err(allowed.requirement()),
        }
    }

    fn render(&self) -> String {
        if *self { "on" } else { "off" }.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_state_their_bounds() {
        assert_eq!(limits::PORT.requirement(), "must be between 1024 and 65535");
        assert_eq!(
            limits::PORT.check_int(80),
            Err("must be between 1024 and 65535".into())
        );
        assert_eq!(limits::PORT.check_int(1024), Ok(()));
        assert_eq!(limits::PORT.check_int(65535), Ok(()));
    }

    #[test]
    fn integers_parse_with_range_and_type_errors() {
        assert_eq!(u16::parse_setting("5433", &limits::PORT), Ok(5433));
        assert_eq!(
            u16::parse_setting("70000", &limits::PORT),
            Err("must be between 1024 and 65535".into())
        );
        assert_eq!(
            u16::parse_setting("abc", &limits::PORT),
            Err("must be an integer between 1024 and 65535".into())
        );
        assert!(u64::parse_setting("-1", &limits::BUFFER_POOL_SIZE).is_err());
    }

    #[test]
    fn words_round_trip() {
        for word in IoBackend::WORDS {
            assert_eq!(word.parse::<IoBackend>().unwrap().as_str(), *word);
        }
        for word in WalSync::WORDS {
            assert_eq!(word.parse::<WalSync>().unwrap().as_str(), *word);
        }
        for word in LogLevel::WORDS {
            assert_eq!(word.parse::<LogLevel>().unwrap().to_string(), *word);
        }
        assert_eq!(
            "uring".parse::<IoBackend>(),
            Err("must be one of pread, io_uring".into())
        );
        assert_eq!(LogLevel::default(), LogLevel::Info);
    }

    #[test]
    fn addresses_and_paths() {
        let ip = IpAddr::parse_setting("::1", &Allowed::IpAddress).unwrap();
        assert_eq!(ip.render(), "::1");
        assert_eq!(
            IpAddr::parse_setting("localhost", &Allowed::IpAddress),
            Err("must be an IP address".into())
        );
        assert_eq!(
            PathBuf::parse_setting("", &Allowed::NonEmptyPath),
            Err("must be a non-empty path".into())
        );
        assert_eq!(
            PathBuf::parse_setting("", &Allowed::OptionalPath),
            Ok(PathBuf::new())
        );
        assert_eq!(
            String::parse_setting(" pw ", &Allowed::Text),
            Ok(" pw ".to_string())
        );
        assert_eq!(
            "md5".parse::<AuthMethod>(),
            Err("must be one of scram-sha-256, trust".into())
        );
    }
}
