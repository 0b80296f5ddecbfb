//! Binding errors: PostgreSQL's SQLSTATE and message for each (checked against
//! PostgreSQL 15).

use super::{Db, assert_err};

#[test]
fn name_resolution_errors() {
    let db = Db::with_tables();
    let cases = [
        (
            "SELECT * FROM nosuch",
            "42P01",
            "relation \"nosuch\" does not exist",
        ),
        (
            "SELECT * FROM s.nosuch",
            "42P01",
            "relation \"s.nosuch\" does not exist",
        ),
        ("SELECT x FROM t", "42703", "column \"x\" does not exist"),
        ("SELECT t.x FROM t", "42703", "column t.x does not exist"),
        (
            "SELECT z.a FROM t",
            "42P01",
            "missing FROM-clause entry for table \"z\"",
        ),
        (
            "SELECT a FROM t, u",
            "42702",
            "column reference \"a\" is ambiguous",
        ),
        (
            "SELECT 1 FROM t, t",
            "42712",
            "table name \"t\" specified more than once",
        ),
        (
            "SELECT a FROM t JOIN u USING (d)",
            "42703",
            "column \"d\" specified in USING clause does not exist in left table",
        ),
        (
            "SELECT * FROM (SELECT 1)",
            "42601",
            "subquery in FROM must have an alias",
        ),
        (
            "SELECT foo(1)",
            "42883",
            "function foo(integer) does not exist",
        ),
        (
            "SELECT sum(c) FROM t",
            "42883",
            "function sum(text) does not exist",
        ),
        (
            "SELECT row_number() FROM t",
            "42809",
            "window function row_number requires an OVER clause",
        ),
        (
            "SELECT sum(a) OVER x FROM t",
            "42704",
            "window \"x\" does not exist",
        ),
        ("SELECT $1, $0", "42601", "syntax error at or near \"$0\""),
    ];
    for (sql, state, msg) in cases {
        assert_err(&db.bind_err(sql), state, msg);
    }
}

#[test]
fn type_errors() {
    let db = Db::with_tables();
    let cases = [
        (
            "SELECT * FROM t WHERE a",
            "42804",
            "argument of WHERE must be type boolean, not type integer",
        ),
        (
            "SELECT * FROM t WHERE 'x'",
            "22P02",
            "invalid input syntax for type boolean: \"x\"",
        ),
        (
            "SELECT 1 + 'a'",
            "22P02",
            "invalid input syntax for type integer: \"a\"",
        ),
        (
            "SELECT 1 + 'a'::text",
            "42883",
            "operator does not exist: integer + text",
        ),
        (
            "SELECT c + 1 FROM t",
            "42883",
            "operator does not exist: text + integer",
        ),
        (
            "SELECT 1 UNION SELECT true",
            "42804",
            "UNION types integer and boolean cannot be matched",
        ),
        (
            "SELECT 'a' UNION SELECT 1",
            "22P02",
            "invalid input syntax for type integer: \"a\"",
        ),
        (
            "SELECT CASE WHEN true THEN 1 ELSE true END",
            "42804",
            "CASE types integer and boolean cannot be matched",
        ),
        (
            "SELECT coalesce(1, true)",
            "42804",
            "COALESCE types integer and boolean cannot be matched",
        ),
        (
            "SELECT 1 IN (true)",
            "42883",
            "operator does not exist: integer = boolean",
        ),
        (
            "VALUES (1), (true)",
            "42804",
            "VALUES types integer and boolean cannot be matched",
        ),
        (
            "SELECT NOT 1",
            "42804",
            "argument of NOT must be type boolean, not type integer",
        ),
        (
            "SELECT 1 AND true",
            "42804",
            "argument of AND must be type boolean, not type integer",
        ),
        (
            "SELECT * FROM t LIMIT 'a'",
            "22P02",
            "invalid input syntax for type bigint: \"a\"",
        ),
        (
            "SELECT 1::date",
            "42846",
            "cannot cast type integer to date",
        ),
        (
            "SELECT 1::geometry",
            "42704",
            "type \"geometry\" does not exist",
        ),
        (
            "SELECT count(*) FILTER (WHERE 1) FROM t",
            "42804",
            "argument of FILTER must be type boolean, not type integer",
        ),
        (
            "SELECT 1 UNION SELECT 1, 2",
            "42601",
            "each UNION query must have the same number of columns",
        ),
        (
            "SELECT (SELECT a, d FROM u)",
            "42601",
            "subquery must return only one column",
        ),
        (
            "SELECT a FROM t WHERE a IN (SELECT a, d FROM u)",
            "42601",
            "subquery has too many columns",
        ),
        (
            "SELECT sum('1')",
            "42725",
            "function sum(unknown) is not unique",
        ),
    ];
    for (sql, state, msg) in cases {
        assert_err(&db.bind_err(sql), state, msg);
    }
}

#[test]
fn grouping_and_ordering_errors() {
    let db = Db::with_tables();
    let cases = [
        (
            "SELECT a, b FROM t GROUP BY a",
            "42803",
            "column \"t.b\" must appear in the GROUP BY clause or be used in an aggregate function",
        ),
        (
            "SELECT a FROM t GROUP BY b HAVING a > 1",
            "42803",
            "column \"t.a\" must appear in the GROUP BY clause or be used in an aggregate function",
        ),
        (
            "SELECT a, count(*) FROM t",
            "42803",
            "column \"t.a\" must appear in the GROUP BY clause or be used in an aggregate function",
        ),
        (
            "SELECT a, row_number() OVER (PARTITION BY b) FROM t GROUP BY a",
            "42803",
            "column \"t.b\" must appear in the GROUP BY clause or be used in an aggregate function",
        ),
        (
            "SELECT (SELECT t.b) FROM t GROUP BY a",
            "42803",
            "column \"t.b\" must appear in the GROUP BY clause or be used in an aggregate function",
        ),
        (
            "SELECT * FROM t WHERE count(*) > 1",
            "42803",
            "aggregate functions are not allowed in WHERE",
        ),
        (
            "SELECT count(count(*)) FROM t",
            "42803",
            "aggregate function calls cannot be nested",
        ),
        (
            "SELECT 1 FROM t JOIN u ON count(*) > 0",
            "42803",
            "aggregate functions are not allowed in JOIN conditions",
        ),
        (
            "SELECT count(*) FROM t GROUP BY 1",
            "42803",
            "aggregate functions are not allowed in GROUP BY",
        ),
        (
            "SELECT * FROM t WHERE row_number() OVER () > 1",
            "42P20",
            "window functions are not allowed in WHERE",
        ),
        (
            "SELECT sum(row_number() OVER ()) FROM t",
            "42803",
            "aggregate function calls cannot contain window function calls",
        ),
        (
            "SELECT row_number() OVER (ORDER BY row_number() OVER ()) FROM t",
            "42P20",
            "window functions are not allowed in window definitions",
        ),
        (
            "SELECT sum(a) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM t",
            "42P20",
            "frame start cannot be UNBOUNDED FOLLOWING",
        ),
        (
            "SELECT sum(a) OVER (ROWS a PRECEDING) FROM t",
            "42P10",
            "argument of ROWS must not contain variables",
        ),
        (
            "SELECT count(DISTINCT a) OVER () FROM t",
            "0A000",
            "DISTINCT is not implemented for window functions",
        ),
        (
            "SELECT a FROM t ORDER BY 5",
            "42P10",
            "ORDER BY position 5 is not in select list",
        ),
        (
            "SELECT count(*) FROM t GROUP BY 3",
            "42P10",
            "GROUP BY position 3 is not in select list",
        ),
        (
            "SELECT DISTINCT a FROM t ORDER BY b",
            "42P10",
            "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
        ),
        (
            "SELECT DISTINCT ON (a) b FROM t ORDER BY b",
            "42P10",
            "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
        ),
        (
            "SELECT 1 AS a, 2 AS a ORDER BY a",
            "42702",
            "ORDER BY \"a\" is ambiguous",
        ),
        (
            "SELECT a FROM t UNION SELECT a FROM u ORDER BY a + 1",
            "0A000",
            "invalid UNION/INTERSECT/EXCEPT ORDER BY clause",
        ),
        (
            "SELECT * FROM t LIMIT a",
            "42P10",
            "argument of LIMIT must not contain variables",
        ),
        (
            "SELECT count(*) FROM t FOR UPDATE",
            "0A000",
            "FOR UPDATE is not allowed with aggregate functions",
        ),
    ];
    for (sql, state, msg) in cases {
        assert_err(&db.bind_err(sql), state, msg);
    }
}

#[test]
fn syntax_errors_name_the_token() {
    let db = Db::new();
    let e = db.bind_err("SELEC 1");
    assert_err(&e, "42601", "syntax error at or near \"SELEC\"");
    assert_eq!(e.code().id(), "ERR-SQL-001");
    assert!(e.detail().unwrap().starts_with("at character 1:"), "{e:?}");
    assert_err(
        &db.bind_err("SELECT 1 +"),
        "42601",
        "syntax error at end of input",
    );
    assert_err(
        &db.bind_err("CREATE TABLE t (a int,)"),
        "42601",
        "syntax error at or near \")\"",
    );
    let e = db.bind_err("SELECT 'abc");
    assert_eq!(e.sqlstate(), "42601");
    assert!(
        e.message()
            .starts_with("unterminated quoted string at or near \"'abc"),
        "{e:?}"
    );
}

#[test]
fn unsupported_features_are_0a000() {
    let db = Db::with_tables();
    for (sql, msg) in [
        (
            "CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE TRIGGER is not supported",
        ),
        (
            "SELECT * FROM t, LATERAL (SELECT 1) s",
            "LATERAL is not supported",
        ),
        (
            "SELECT ARRAY[ARRAY[1], ARRAY[2]]",
            "multidimensional arrays is not supported",
        ),
        (
            "SELECT * FROM jsonb_each('{}')",
            "table functions in FROM other than generate_series and unnest is not supported",
        ),
        (
            "CREATE INDEX ON t (lower(c))",
            "indexes on expressions is not supported",
        ),
        (
            "SELECT a FROM t GROUP BY ROLLUP (a)",
            "GROUPING SETS, CUBE and ROLLUP is not supported",
        ),
    ] {
        let e = db.bind_err(sql);
        assert_eq!(
            (e.sqlstate(), e.code().id()),
            ("0A000", "ERR-SQL-007"),
            "{sql}: {e:?}"
        );
        assert_eq!(e.message(), msg, "{sql}");
    }
}
