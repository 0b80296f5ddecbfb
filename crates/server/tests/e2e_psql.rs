//! psql against the real `rusty-db-server` binary: a `psql -f` session creating tables with
//! keys, indexes and a view and running the catalog meta-commands (`\l`, `\dt`, `\d`, `\di`,
//! `\dv`, `\du`, `\x`, `\timing`), checked against the fragments PostgreSQL 15 prints for the
//! same script (`tests/e2e/psql_session.expected`), and `psql -c` one-liners (`\d+` among them).

mod e2e_support;

use std::path::PathBuf;
use std::time::Duration;

use e2e_support::{Server, run_bounded};

fn e2e_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e")
        .join(name)
}

/// One expected line: exact (trailing blanks ignored) or a whole-line pattern.
enum Expect {
    Line(String),
    Pattern(regex::Regex),
}

impl Expect {
    fn matches(&self, line: &str) -> bool {
        match self {
            Expect::Line(l) => line.trim_end() == l.trim_end(),
            Expect::Pattern(re) => re.is_match(line.trim_end()),
        }
    }

    fn show(&self) -> String {
        match self {
            Expect::Line(l) => format!("{l:?}"),
            Expect::Pattern(re) => format!("pattern {:?}", re.as_str()),
        }
    }
}

/// Reads an `.expected` file: `#` comments, `re: ` patterns, plain lines.
fn expectations(text: &str) -> Vec<Expect> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| match l.strip_prefix("re: ") {
            Some(p) => {
                Expect::Pattern(regex::Regex::new(&format!("^(?:{p})$")).expect("valid pattern"))
            }
            None => Expect::Line(l.to_string()),
        })
        .collect()
}

/// Checks that every expectation matches an output line, in order; the message shows
/// the first one missing and the output after the last match.
fn check_in_order(output: &str, expected: &[Expect]) {
    let lines: Vec<&str> = output.lines().collect();
    let mut at = 0;
    for (i, e) in expected.iter().enumerate() {
        match lines[at..].iter().position(|l| e.matches(l)) {
            Some(p) => at += p + 1,
            None => panic!(
                "expected line {} ({}) not found after output line {at}; the output from there:\n{}\n\n\
                 whole output:\n{output}",
                i + 1,
                e.show(),
                lines[at..].join("\n")
            ),
        }
    }
}

#[test]
fn psql_file_session_with_meta_commands_prints_what_postgresql_prints() {
    let server = Server::start();
    let mut cmd = server.client("psql");
    // Without ON_ERROR_STOP, so that one run reports every statement or meta-command that fails.
    cmd.args(["-X", "-f"]).arg(e2e_file("psql_session.sql"));
    let out = run_bounded(cmd, Duration::from_secs(120));
    assert!(out.success(), "psql -f failed:\n{}", out.describe());
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(
        errors.is_empty() && !out.stdout.contains("ERROR"),
        "no statement or meta-command may fail; these did:\n{}\n\n{}",
        errors.join("\n"),
        out.describe()
    );
    let expected =
        std::fs::read_to_string(e2e_file("psql_session.expected")).expect("read expected");
    check_in_order(&out.stdout, &expectations(&expected));
}

#[test]
fn psql_c_one_liners() {
    let server = Server::start();
    // Every failure is collected and reported together at the end.
    let failures = std::cell::RefCell::new(Vec::new());
    let run = |args: &[&str]| {
        let mut cmd = server.client("psql");
        cmd.args(["-X", "-v", "ON_ERROR_STOP=1"]).args(args);
        let out = run_bounded(cmd, Duration::from_secs(60));
        if !out.success() || out.stderr.contains("ERROR") {
            failures
                .borrow_mut()
                .push(format!("psql {args:?}:\n{}", out.stderr.trim_end()));
        }
        out.stdout
    };
    let check = |ok: bool, what: String| {
        if !ok {
            failures.borrow_mut().push(what);
        }
    };
    run(&[
        "-c",
        "CREATE TABLE e2e_c (k integer PRIMARY KEY, v text DEFAULT 'x')",
    ]);
    run(&[
        "-c",
        "INSERT INTO e2e_c (k) SELECT g FROM generate_series(1, 5) g",
    ]);
    let out = run(&["-At", "-c", "SELECT sum(k), min(v) FROM e2e_c"]);
    check(
        out.trim() == "15|x",
        format!("SELECT sum(k), min(v): {out:?}"),
    );
    // Several -c in one session: settings live for the session.
    let out = run(&[
        "-At",
        "-c",
        "SET application_name = 'e2e psql'",
        "-c",
        "SHOW application_name",
    ]);
    check(
        out.trim() == "SET\ne2e psql",
        format!("SET then SHOW application_name: {out:?}"),
    );
    let out = run(&["-c", "\\dt e2e_c"]);
    check(
        out.contains(" public | e2e_c | table | rustydb"),
        format!("\\dt e2e_c:\n{out}"),
    );
    let out = run(&["-c", "\\d e2e_c"]);
    for fragment in [
        "Table \"public.e2e_c\"",
        " k      | integer |           | not null | ",
        " v      | text    |           |          | 'x'::text",
        "    \"e2e_c_pkey\" PRIMARY KEY, btree (k)",
    ] {
        check(
            out.contains(fragment),
            format!("\\d e2e_c lacks {fragment:?}:\n{out}"),
        );
    }
    // \d+ as PostgreSQL 15 prints it, except Storage: RustyDB keeps every value inline
    // and uncompressed, so each column says "plain".
    let out = run(&["-c", "\\d+ e2e_c"]);
    for fragment in [
        " Column |  Type   | Collation | Nullable |  Default  | Storage | Compression | Stats target | Description ",
        " k      | integer |           | not null |           | plain   |             |              | ",
        " v      | text    |           |          | 'x'::text | plain   |             |              | ",
        "    \"e2e_c_pkey\" PRIMARY KEY, btree (k)",
        "Access method: heap",
    ] {
        check(
            out.contains(fragment),
            format!("\\d+ e2e_c lacks {fragment:?}:\n{out}"),
        );
    }
    let out = run(&["-c", "\\l+"]);
    check(
        out.contains(" rustydb | rustydb | UTF8     | C       | C     |            | libc            |                   | ")
            && out.contains(" | pg_default | "),
        format!("\\l+ lists the database with its size:\n{out}"),
    );
    let out = run(&["-c", "\\du"]);
    check(
        out.contains(" rustydb "),
        format!("\\du lists the superuser:\n{out}"),
    );
    let out = run(&["-At", "-c", "SELECT version()"]);
    check(
        out.contains("PostgreSQL") || out.contains("RustyDB"),
        format!("version(): {out:?}"),
    );
    let failures = failures.into_inner();
    assert!(
        failures.is_empty(),
        "{} psql check(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
