//! Expressions: literal typing, unknown resolution, operators, casts, predicates and
//! the conditional forms, by their types and their values.

use super::{Db, i, s};
use crate::plan::expr::ScalarExpr;
use crate::plan::logical::LogicalPlan;
use crate::types::{DataType, Value};

fn types(db: &Db, sql: &str) -> Vec<DataType> {
    db.columns(sql).into_iter().map(|(_, t)| t).collect()
}

fn one(db: &Db, sql: &str) -> Value {
    let rows = db.rows(sql);
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0][0].clone()
}

const NUMERIC: DataType = DataType::Numeric {
    precision: None,
    scale: None,
};

#[test]
fn literals_are_typed_as_postgres_types_them() {
    let db = Db::new();
    assert_eq!(
        types(
            &db,
            "SELECT 1, 3000000000, 99999999999999999999, 1.5, 1e3, 'a', NULL, true, -2147483648"
        ),
        [
            DataType::Int4,
            DataType::Int8,
            NUMERIC,
            NUMERIC,
            NUMERIC,
            DataType::Text,
            DataType::Text,
            DataType::Bool,
            DataType::Int4,
        ]
    );
    assert_eq!(
        types(
            &db,
            "SELECT DATE '2020-01-02', INTERVAL '1 day', TIMESTAMP '2020-01-01 10:00', '1'::int8"
        ),
        [
            DataType::Date,
            DataType::Interval,
            DataType::Timestamp,
            DataType::Int8,
        ]
    );
    assert_eq!(one(&db, "SELECT -2147483648"), Value::Int4(i32::MIN));
    assert_eq!(one(&db, "SELECT E'a\\tb'"), s("a\tb"));
    assert_eq!(one(&db, "SELECT $$dollar$$"), s("dollar"));
    assert_eq!(
        one(&db, "SELECT INTERVAL '3' DAY = INTERVAL '3 days'"),
        Value::Bool(true)
    );
}

#[test]
fn unknown_literals_take_the_other_operands_type() {
    let db = Db::with_tables();
    // The literal is converted at bind time: no cast is left in the plan.
    let LogicalPlan::Project { input, .. } = db.plan("SELECT 1 FROM t WHERE a = '5'") else {
        panic!()
    };
    let LogicalPlan::Filter {
        predicate: ScalarExpr::Binary { right, .. },
        ..
    } = *input
    else {
        panic!()
    };
    assert!(
        matches!(*right, ScalarExpr::Literal(Value::Int4(5), DataType::Int4)),
        "{right:?}"
    );
    assert_eq!(one(&db, "SELECT 'a' = 'a'"), Value::Bool(true));
    assert_eq!(one(&db, "SELECT '1' + 2"), i(3));
    assert_eq!(one(&db, "SELECT 'ab' || 1"), s("ab1"));
    assert_eq!(
        types(&db, "SELECT a + 1.5, a / 2, 2 ^ 3, b::float8 * 2 FROM t"),
        [NUMERIC, DataType::Int4, DataType::Float8, DataType::Float8]
    );
}

#[test]
fn casts() {
    let db = Db::new();
    assert_eq!(one(&db, "SELECT CAST('42' AS integer) + 1"), i(43));
    assert_eq!(one(&db, "SELECT 1.6::int"), i(2));
    assert_eq!(one(&db, "SELECT 'abcd'::varchar(2)"), s("ab"));
    assert_eq!(
        types(
            &db,
            "SELECT 'x'::varchar(3), 5::numeric(10,2), now()::date, 1::pg_catalog.int8"
        ),
        [
            DataType::Varchar(Some(3)),
            DataType::Numeric {
                precision: Some(10),
                scale: Some(2)
            },
            DataType::Date,
            DataType::Int8,
        ]
    );
}

#[test]
fn predicates() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 10, 'apple'), (2, NULL, 'Banana'), (3, 30, NULL)")
        .unwrap();
    let q = |w: &str| -> Vec<Value> {
        db.rows(&format!("SELECT a FROM t WHERE {w} ORDER BY a"))
            .into_iter()
            .map(|r| r[0].clone())
            .collect()
    };
    assert_eq!(q("b BETWEEN 5 AND 15"), [i(1)]);
    assert_eq!(q("b NOT BETWEEN 5 AND 15"), [i(3)]);
    assert_eq!(q("a IN (1, 3)"), [i(1), i(3)]);
    assert_eq!(q("a NOT IN (1, 3)"), [i(2)]);
    assert_eq!(q("c LIKE 'a%'"), [i(1)]);
    assert_eq!(q("c ILIKE 'b%'"), [i(2)]);
    assert_eq!(q("c NOT LIKE '%a%'"), Vec::<Value>::new());
    assert_eq!(q("b IS NULL"), [i(2)]);
    assert_eq!(q("b IS DISTINCT FROM 10"), [i(2), i(3)]);
    assert_eq!(q("b IS NOT DISTINCT FROM NULL"), [i(2)]);
    assert_eq!(q("(b > 15) IS NOT TRUE"), [i(1), i(2)]);
    assert_eq!(q("(a, b) = (1, 10)"), [i(1)]);
    assert_eq!(q("(a, c) IN ((2, 'Banana'), (3, 'x'))"), [i(2)]);
    assert_eq!(q("a = ANY (ARRAY[2, 3])"), [i(2), i(3)]);
    assert_eq!(q("c ~ '^B'"), [i(2)]);
}

#[test]
fn conditional_forms() {
    let db = Db::new();
    assert_eq!(
        one(&db, "SELECT CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END"),
        s("two")
    );
    assert_eq!(
        one(&db, "SELECT CASE WHEN false THEN 1 ELSE 2.5 END"),
        Value::Numeric("2.5".parse().unwrap())
    );
    assert_eq!(one(&db, "SELECT coalesce(NULL, 2, 3)"), i(2));
    assert_eq!(one(&db, "SELECT nullif(1, 1)"), Value::Null);
    assert_eq!(one(&db, "SELECT greatest(1, 5, 3) + least(4, 2)"), i(7));
    assert_eq!(
        types(
            &db,
            "SELECT coalesce(1, 2.5), greatest('a', 'b'), CASE WHEN true THEN NULL END"
        ),
        [NUMERIC, DataType::Text, DataType::Text]
    );
}

#[test]
fn special_call_syntax_and_session_functions() {
    let db = Db::new();
    assert_eq!(one(&db, "SELECT substring('hello' FROM 2 FOR 3)"), s("ell"));
    assert_eq!(one(&db, "SELECT trim(BOTH 'x' FROM 'xxhixx')"), s("hi"));
    assert_eq!(one(&db, "SELECT position('l' IN 'hello')"), i(3));
    assert_eq!(one(&db, "SELECT upper('abc') || lower('DEF')"), s("ABCdef"));
    assert_eq!(one(&db, "SELECT current_user"), s("rustydb"));
    assert_eq!(one(&db, "SELECT current_database()"), s("rustydb"));
    assert_eq!(one(&db, "SELECT current_schema()"), s("public"));
    assert!(
        matches!(one(&db, "SELECT version()"), Value::Text(v) if v.starts_with("PostgreSQL 15"))
    );
    assert_eq!(
        types(&db, "SELECT extract(year FROM DATE '2020-05-01')"),
        [NUMERIC]
    );
    assert_eq!(
        one(&db, "SELECT extract(year FROM DATE '2020-05-01')"),
        Value::Numeric(2020.into())
    );
}

#[test]
fn sequence_functions_resolve_the_sequence() {
    let db = Db::new();
    db.exec("CREATE SEQUENCE s START 5").unwrap();
    let LogicalPlan::Project { exprs, .. } =
        db.plan("SELECT nextval('s'), currval('public.s'::regclass), setval('s', 10)")
    else {
        panic!()
    };
    assert!(
        exprs
            .iter()
            .all(|e| matches!(e, ScalarExpr::Sequence { seq, .. } if seq.name == "s"))
    );
    assert_eq!(one(&db, "SELECT nextval('s')"), Value::Int8(5));
    assert_eq!(one(&db, "SELECT nextval('s')"), Value::Int8(6));
    let e = db.bind_err("SELECT nextval('nope')");
    super::assert_err(&e, "42P01", "relation \"nope\" does not exist");
}

#[test]
fn frames_and_outer_aggregates() {
    let db = Db::with_tables();
    db.exec("INSERT INTO t VALUES (1, 1, 'a'), (2, 2, 'b'), (4, 4, 'c')")
        .unwrap();
    assert_eq!(
        db.rows("SELECT sum(b) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t ORDER BY a"),
        vec![vec![Value::Int8(1)], vec![Value::Int8(3)], vec![Value::Int8(4)]]
    );
    super::assert_err(
        &db.bind_err("SELECT sum(b) OVER (RANGE 1 PRECEDING) FROM t"),
        "42P20",
        "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
    );
    assert_eq!(
        db.bind_err("SELECT (SELECT count(t.a)) FROM t").sqlstate(),
        "0A000"
    );
    assert_eq!(
        db.bind_err("EXPLAIN CREATE TABLE x (a int)").sqlstate(),
        "42601"
    );
}

#[test]
fn between_symmetric_takes_the_bounds_in_either_order() {
    let db = Db::new();
    let row = |sql: &str| db.rows(sql).remove(0);
    assert_eq!(
        row(
            "SELECT 5 BETWEEN SYMMETRIC 10 AND 1, 5 NOT BETWEEN SYMMETRIC 10 AND 1, \
             0 BETWEEN SYMMETRIC 10 AND 1, 5 BETWEEN ASYMMETRIC 10 AND 1"
        ),
        vec![
            Value::Bool(true),
            Value::Bool(false),
            Value::Bool(false),
            Value::Bool(false)
        ]
    );
    // The low bound ends at the first AND outside parentheses and CASE.
    assert_eq!(
        row("SELECT 2 BETWEEN SYMMETRIC (CASE WHEN true AND true THEN 3 END) AND 1 AND true"),
        vec![Value::Bool(true)]
    );
    assert_eq!(
        row("SELECT NULL::int BETWEEN SYMMETRIC 1 AND 2"),
        vec![Value::Null]
    );
}

#[test]
fn prefix_math_operators_and_float_constants() {
    let db = Db::new();
    assert_eq!(
        db.rows("SELECT @ -3, |/ 25, ||/ 8, 1e300::float8 * 10"),
        vec![vec![
            i(3),
            Value::Float8(5.0),
            Value::Float8(2.0),
            Value::Float8(1e301)
        ]]
    );
    assert_eq!(types(&db, "SELECT @ -2.5"), [NUMERIC]);
    // Not a float: still numeric, which cannot hold it.
    assert_eq!(db.exec_err("SELECT 1e300").sqlstate(), "22003");
}

#[test]
fn char_values_lose_their_padding_as_text() {
    let db = Db::new();
    db.exec("CREATE TABLE c (ch char(4))").unwrap();
    db.exec("INSERT INTO c VALUES ('ab')").unwrap();
    assert_eq!(
        db.rows("SELECT ch || '|', length(ch), octet_length(ch), ch = 'ab', ch::varchar FROM c"),
        vec![vec![s("ab|"), i(2), i(4), Value::Bool(true), s("ab")]]
    );
    assert_eq!(
        db.rows("SELECT 'ab'::char(4) = 'ab', 'ab'::char(4)::text"),
        vec![vec![Value::Bool(true), s("ab")]]
    );
}
