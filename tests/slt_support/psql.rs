//! The same files against a real PostgreSQL server, through `psql`, to measure what
//! PostgreSQL passes (the corpus floors in [`super::corpus`] came from this).
//!
//! Every record runs in its own `psql` process, so a file's statements share the
//! database but not the session: fine for SQLite's corpus, which sets nothing per
//! session, not for files that use transactions or SET. It is slow (a process per
//! record) and meant for the small evidence files.

use std::io::Write;
use std::process::{Command, Stdio};

use sqllogictest::{DB, DBOutput, DefaultColumnType};

use super::rustydb::{SqlError, slt_text};

/// A scratch database on the server, dropped with the value.
pub(crate) struct PgDatabase {
    conninfo: String,
    name: String,
    booleans_as_integers: bool,
}

impl PgDatabase {
    /// Creates database `name` on the server that `conninfo` (a libpq connection
    /// string without `dbname`) points at; `booleans_as_integers` as in
    /// [`super::rustydb::DbOptions`].
    pub(crate) fn create(
        conninfo: &str,
        name: &str,
        booleans_as_integers: bool,
    ) -> Result<PgDatabase, SqlError> {
        let db = PgDatabase {
            conninfo: conninfo.to_string(),
            name: name.to_string(),
            booleans_as_integers,
        };
        let admin = db.admin();
        admin.psql(&format!("DROP DATABASE IF EXISTS {name}"))?;
        admin.psql(&format!("CREATE DATABASE {name}"))?;
        Ok(db)
    }

    fn admin(&self) -> Psql {
        Psql {
            conninfo: format!("{} dbname=postgres", self.conninfo),
            booleans_as_integers: false,
        }
    }

    /// A connection to the scratch database.
    pub(crate) fn connect(&self) -> Psql {
        Psql {
            conninfo: format!("{} dbname={}", self.conninfo, self.name),
            booleans_as_integers: self.booleans_as_integers,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = self
            .admin()
            .psql(&format!("DROP DATABASE IF EXISTS {}", self.name));
    }
}

/// Runs each statement with `psql --csv`.
pub(crate) struct Psql {
    conninfo: String,
    booleans_as_integers: bool,
}

impl Psql {
    /// Runs `sql`; the CSV output (header first) if it printed any.
    fn psql(&self, sql: &str) -> Result<String, SqlError> {
        self.psql_with(&["-c", sql], None)
    }

    /// Which result columns of `sql` are boolean, from `\gdesc` (which describes the
    /// statement without running it); none if it cannot tell.
    fn boolean_columns(&self, sql: &str) -> Vec<bool> {
        let sql = sql.trim().trim_end_matches(';');
        if sql.contains(';') {
            return Vec::new();
        }
        let script = format!("{sql}\n\\gdesc\n");
        match self.psql_with(&["-f", "-"], Some(&script)) {
            Ok(out) => parse_csv(&out)
                .iter()
                .skip(1)
                .map(|row| row.get(1).and_then(|t| t.as_deref()) == Some("boolean"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    fn psql_with(&self, args: &[&str], stdin: Option<&str>) -> Result<String, SqlError> {
        let mut cmd = Command::new("psql");
        cmd.args([
            "-X",
            "-q",
            "--csv",
            "-v",
            "VERBOSITY=verbose",
            "-v",
            "ON_ERROR_STOP=1",
        ])
        .args(args)
        .arg(&self.conninfo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| SqlError::new("58030", format!("cannot run psql: {e}")))?;
        if let Some(mut input) = child.stdin.take() {
            // psql reads all of it; a write error shows as psql's own failure below.
            let _ = input.write_all(stdin.unwrap_or("").as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| SqlError::new("58030", format!("psql: {e}")))?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        // `ERROR:  42P01: relation "t" does not exist`
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .find_map(|l| l.strip_prefix("ERROR:"))
            .unwrap_or(&stderr)
            .trim();
        Err(match line.split_once(": ") {
            Some((state, message)) if state.len() == 5 => SqlError::new(state, message),
            _ => SqlError::new("XX000", line),
        })
    }
}

impl DB for Psql {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let booleans = if self.booleans_as_integers {
            self.boolean_columns(sql)
        } else {
            Vec::new()
        };
        let out = self.psql(sql)?;
        let mut rows = parse_csv(&out);
        if rows.is_empty() {
            // -q prints no command tag, so the row count of a command is unknown.
            return Ok(DBOutput::StatementComplete(0));
        }
        let header = rows.remove(0);
        let types = vec![DefaultColumnType::Any; header.len()];
        let rows = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .enumerate()
                    .map(|(i, v)| match v.as_deref() {
                        Some("t") if booleans.get(i) == Some(&true) => "1".into(),
                        Some("f") if booleans.get(i) == Some(&true) => "0".into(),
                        _ => slt_text(v),
                    })
                    .collect()
            })
            .collect();
        Ok(DBOutput::Rows { types, rows })
    }

    fn engine_name(&self) -> &str {
        "postgresql-psql"
    }

    fn error_sql_state(err: &SqlError) -> Option<String> {
        Some(err.sqlstate().to_string())
    }
}

/// Parses psql's CSV: an unquoted empty field is NULL (`None`), `""` the empty string.
fn parse_csv(text: &str) -> Vec<Vec<Option<String>>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut chars = text.chars().peekable();
    if text.is_empty() {
        return rows;
    }
    loop {
        // One field.
        let field = if chars.peek() == Some(&'"') {
            chars.next();
            let mut s = String::new();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        s.push('"');
                    } else {
                        break;
                    }
                } else {
                    s.push(c);
                }
            }
            Some(s)
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c == ',' || c == '\n' {
                    break;
                }
                s.push(c);
                chars.next();
            }
            (!s.is_empty()).then_some(s)
        };
        row.push(field);
        match chars.next() {
            Some(',') => {}
            Some('\n') => {
                rows.push(std::mem::take(&mut row));
                if chars.peek().is_none() {
                    return rows;
                }
            }
            _ => {
                rows.push(row);
                return rows;
            }
        }
    }
}
