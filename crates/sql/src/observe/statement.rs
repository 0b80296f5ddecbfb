//! Statement and error metrics through the `metrics` facade.
//!
//! A statement's kind comes from its command tag when it succeeded (so
//! `WITH .. INSERT` counts as an insert) and from the first keyword of its text when it
//! failed: `select`, `insert`, `update`, `delete`, `ddl`, `transaction`, `copy`,
//! `explain` or `utility`.

use std::time::Duration;

use rustydb_common::DbError;

/// The kind of a statement whose first keyword (or command tag) is `word`.
pub fn kind_of_keyword(word: &str) -> &'static str {
    match word.to_ascii_uppercase().as_str() {
        "SELECT" | "VALUES" | "TABLE" | "WITH" | "FETCH" => "select",
        "INSERT" => "insert",
        "UPDATE" => "update",
        "DELETE" => "delete",
        "MERGE" => "merge",
        "CREATE" | "ALTER" | "DROP" | "TRUNCATE" | "GRANT" | "REVOKE" | "COMMENT" | "REINDEX" => {
            "ddl"
        }
        "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "ABORT" | "SAVEPOINT" | "RELEASE" => {
            "transaction"
        }
        "COPY" => "copy",
        "EXPLAIN" => "explain",
        _ => "utility",
    }
}

/// The kind of a statement from its command tag (`INSERT 0 1`, `CREATE TABLE`, ..).
pub fn kind_of_tag(tag: &str) -> &'static str {
    kind_of_keyword(tag.split_whitespace().next().unwrap_or(""))
}

/// The kind of a statement from its text: the first keyword after comments and
/// opening parentheses.
pub fn kind_of_sql(sql: &str) -> &'static str {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    kind_of_keyword(&word)
}

/// Counts a finished statement of `kind` that took `elapsed`.
pub fn record_statement(kind: &'static str, elapsed: Duration) {
    metrics::counter!("rustydb_statements_total", "kind" => kind).increment(1);
    metrics::histogram!("rustydb_statement_duration_seconds", "kind" => kind)
        .record(elapsed.as_secs_f64());
}

/// Counts an error a session returned, by its RustyDB code (`ERR-...`).
pub fn record_error(e: &DbError) {
    metrics::counter!("rustydb_errors_total", "code" => e.code().id()).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(kind_of_tag("INSERT 0 3"), "insert");
        assert_eq!(kind_of_tag("SELECT 1"), "select");
        assert_eq!(kind_of_tag("CREATE TABLE"), "ddl");
        assert_eq!(kind_of_tag("ROLLBACK"), "transaction");
        assert_eq!(kind_of_tag("SET"), "utility");
        assert_eq!(kind_of_sql("  /* x */ -- y\n (select 1)"), "select");
        assert_eq!(kind_of_sql("delete from t"), "delete");
        assert_eq!(kind_of_sql(""), "utility");
    }
}
