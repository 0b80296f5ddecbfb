//! EXPLAIN goldens: one file per optimizer rule and case in `tests/golden/`, holding the
//! statement, the plan EXPLAIN prints for it, and how many rows the statement returns
//! (so every plan is also run). `passes_*` files show the plan after each rule of the
//! pipeline (`Optimizer::optimize_traced`), `analyze_*` files EXPLAIN ANALYZE with the
//! timings and memory sizes masked.
//!
//! The files are compared exactly. After an intended change, regenerate them with
//!
//! ```text
//! UPDATE_GOLDENFILES=1 cargo test -p rustydb-sql --test explain_golden
//! ```
//!
//! and review the diff: a golden is a plan someone has looked at and found good.
//!
//! The fixture is deterministic: `customers` (1000 rows, 5 regions), `orders` (5000 rows,
//! 5 per customer), `items` (10000 rows, 2 per order), `regions` (5 rows), every table
//! ANALYZEd, so join ordering and hash join build sides follow the statistics.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex::Regex;
use rustydb_sql::binder::{self, BindContext, BoundStatement};
use rustydb_sql::optimizer::{Hints, OptContext};
use rustydb_sql::types::text::format_value_opt;
use rustydb_sql::{Engine, EngineOptions, Session};

/// What a golden file shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// EXPLAIN, and the row count of the statement itself.
    Explain,
    /// EXPLAIN ANALYZE with timings and memory sizes masked.
    Analyze,
    /// The plan after each optimizer rule.
    Passes,
}

/// `(file name, what it shows, kind, statement)`.
const CASES: &[(&str, &str, Kind, &str)] = &[
    // ---- constant folding ----
    (
        "fold_constants_filter",
        "Arithmetic over constants folds to a constant and `AND true` vanishes.",
        Kind::Explain,
        "SELECT name FROM customers WHERE signup = 300 + 64 AND 2 > 1",
    ),
    (
        "fold_constants_enables_index",
        "A folded constant is a key value: the primary key serves `id = 2 * 21`.",
        Kind::Explain,
        "SELECT name FROM customers WHERE id = 2 * 21",
    ),
    (
        "fold_constants_false",
        "A filter that folds to false returns nothing.",
        Kind::Explain,
        "SELECT name FROM customers WHERE 1 = 2",
    ),
    // ---- predicate pushdown ----
    (
        "pushdown_into_scans",
        "WHERE conditions on one side go into that side's scan; the one relating both \
         becomes the join condition.",
        Kind::Explain,
        "SELECT c.name, o.amount FROM customers c, orders o \
         WHERE c.id = o.customer_id AND c.signup = 17 AND o.amount > 990",
    ),
    (
        "pushdown_through_aggregate",
        "A condition on a group key moves below the aggregate of a derived table.",
        Kind::Explain,
        "SELECT * FROM (SELECT region, count(*) AS n FROM customers GROUP BY region) s \
         WHERE region = 'east'",
    ),
    (
        "pushdown_left_join",
        "LEFT JOIN: the ON condition on the right side goes right, the WHERE condition on \
         the left side goes left.",
        Kind::Explain,
        "SELECT c.name, o.amount FROM customers c \
         LEFT JOIN orders o ON o.customer_id = c.id AND o.amount > 995 \
         WHERE c.signup = 5",
    ),
    (
        "pushdown_through_view",
        "A condition on a view's column reaches the scan inside the view.",
        Kind::Explain,
        "SELECT * FROM big_orders WHERE customer_id = 7",
    ),
    // ---- join ordering ----
    (
        "join_order_by_statistics",
        "Written largest first; ANALYZE says regions has 5 rows: it starts the chain.",
        Kind::Explain,
        "SELECT count(*) FROM items i, orders o, customers c, regions r \
         WHERE i.order_id = o.id AND o.customer_id = c.id AND c.region = r.code \
         AND r.label = 'North'",
    ),
    (
        "join_order_selective_filter",
        "The relation made smallest by its filter (one customer) is joined first.",
        Kind::Explain,
        "SELECT i.sku FROM items i JOIN orders o ON i.order_id = o.id \
         JOIN customers c ON o.customer_id = c.id WHERE c.name = 'c17'",
    ),
    (
        "hint_leading",
        "LEADING(r c o) fixes the order of those relations.",
        Kind::Explain,
        "SELECT /*+ LEADING(r c o) */ count(*) FROM orders o, customers c, regions r \
         WHERE o.customer_id = c.id AND c.region = r.code",
    ),
    // ---- index selection ----
    (
        "index_eq_primary_key",
        "Equality on the primary key: a point lookup.",
        Kind::Explain,
        "SELECT * FROM customers WHERE id = 5",
    ),
    (
        "index_eq_secondary",
        "Equality on an indexed column.",
        Kind::Explain,
        "SELECT id, amount FROM orders WHERE customer_id = 42",
    ),
    (
        "index_eq_initplan",
        "An uncorrelated subquery is evaluated once (an InitPlan): a key value too.",
        Kind::Explain,
        "SELECT name FROM customers WHERE id = (SELECT 7)",
    ),
    (
        "index_range",
        "BETWEEN on an indexed column: a key range.",
        Kind::Explain,
        "SELECT id FROM orders WHERE placed BETWEEN 100 AND 102",
    ),
    (
        "merge_join_index_ordered",
        "Both sides are index range scans ordered on the join key: a merge join.",
        Kind::Explain,
        "SELECT c.id, o.amount FROM customers c JOIN orders o ON o.id = c.id WHERE c.id < 40 AND o.id < 40",
    ),
    (
        "index_range_open",
        "A one-sided range.",
        Kind::Explain,
        "SELECT id FROM customers WHERE id > 995",
    ),
    (
        "index_composite_prefix_range",
        "Equality on the first column of a two-column index and a range on the second.",
        Kind::Explain,
        "SELECT qty FROM items WHERE order_id = 7 AND sku < 50",
    ),
    (
        "index_order_by_limit",
        "ORDER BY an indexed column with LIMIT walks the index: no sort.",
        Kind::Explain,
        "SELECT id, placed FROM orders ORDER BY placed LIMIT 3",
    ),
    (
        "index_order_by_desc_limit",
        "Descending: the index is walked backward.",
        Kind::Explain,
        "SELECT id FROM customers ORDER BY id DESC LIMIT 3",
    ),
    (
        "index_order_by_after_equality",
        "Equality on the first index column, ORDER BY the second, LIMIT.",
        Kind::Explain,
        "SELECT sku, qty FROM items WHERE order_id = 9 ORDER BY sku LIMIT 1",
    ),
    (
        "hint_index",
        "INDEX(o orders_placed) overrides the better-scoring orders_customer.",
        Kind::Explain,
        "SELECT /*+ INDEX(o orders_placed) */ id FROM orders o \
         WHERE customer_id = 5 AND placed > 10",
    ),
    (
        "hint_index_unusable",
        "An INDEX hint naming an index that cannot serve the scan is ignored.",
        Kind::Explain,
        "SELECT /*+ INDEX(orders orders_placed) */ id FROM orders WHERE customer_id = 5",
    ),
    // ---- join strategies ----
    (
        "hash_join",
        "An equi-join of two large inputs: hash join, building on the smaller side.",
        Kind::Explain,
        "SELECT c.name, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id \
         WHERE o.amount > 990",
    ),
    (
        "hash_join_swapped",
        "Written with the smaller side first: the inputs swap so the hash is built on it, \
         under a projection restoring the column order.",
        Kind::Explain,
        "SELECT c.name, o.id FROM customers c JOIN orders o ON o.amount = c.signup",
    ),
    (
        "hash_join_residual",
        "Equality keys hash; the other condition stays as a join filter.",
        Kind::Explain,
        "SELECT c.name, o.id FROM orders o JOIN customers c \
         ON o.amount = c.signup AND o.id < c.id",
    ),
    (
        "index_nested_loop_preferred",
        "An equi-join whose outer side is tiny: probing the index beats hashing.",
        Kind::Explain,
        "SELECT r.label, c.name FROM regions r JOIN customers c ON c.region = r.code",
    ),
    (
        "nested_loop_no_equality",
        "No equality between the sides: a nested loop.",
        Kind::Explain,
        "SELECT count(*) FROM regions r JOIN regions s ON r.code < s.code",
    ),
    (
        "index_nested_loop",
        "A small outer side probes the inner side's index once per row.",
        Kind::Explain,
        "SELECT c.name, o.id FROM customers c JOIN orders o ON o.customer_id = c.id \
         WHERE c.id = 5",
    ),
    (
        "index_nested_loop_left",
        "The same for a LEFT JOIN.",
        Kind::Explain,
        "SELECT c.name, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id \
         WHERE c.id BETWEEN 5 AND 6",
    ),
    // ---- top-N ----
    (
        "top_n",
        "A sort under a constant LIMIT keeps only the first rows.",
        Kind::Explain,
        "SELECT id, amount FROM orders ORDER BY amount DESC, id LIMIT 5",
    ),
    (
        "top_n_offset",
        "With OFFSET it keeps LIMIT + OFFSET rows.",
        Kind::Explain,
        "SELECT id FROM customers ORDER BY name LIMIT 5 OFFSET 10",
    ),
    // ---- every pass ----
    (
        "passes_join_filters",
        "A three-way join with constant arithmetic in its filters, after each rule.",
        Kind::Passes,
        "SELECT c.name, i.sku FROM items i, orders o, customers c \
         WHERE i.order_id = o.id AND o.customer_id = c.id AND c.id = 10 + 7 AND i.qty > 1 * 3",
    ),
    (
        "passes_order_limit",
        "ORDER BY ... LIMIT: index order, then top-N has nothing left to do.",
        Kind::Passes,
        "SELECT id FROM orders WHERE customer_id = 3 ORDER BY id LIMIT 2",
    ),
    // ---- EXPLAIN ANALYZE ----
    (
        "analyze_hash_join_aggregate",
        "Actual rows and loops per node; timings and memory masked.",
        Kind::Analyze,
        "SELECT c.region, count(*) FROM customers c JOIN orders o ON o.amount = c.signup \
         GROUP BY c.region ORDER BY c.region",
    ),
    (
        "analyze_index_nested_loop",
        "The inner index scan runs once per outer row (loops), rows per loop.",
        Kind::Analyze,
        "SELECT c.name, o.id FROM customers c JOIN orders o ON o.customer_id = c.id \
         WHERE c.id BETWEEN 5 AND 7",
    ),
    (
        "analyze_top_n",
        "A top-N sort and a limit.",
        Kind::Analyze,
        "SELECT id, amount FROM orders ORDER BY amount DESC, id LIMIT 5",
    ),
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn exec(s: &mut Session, sql: &str) {
    if let Err(e) = s.execute(sql) {
        panic!("{sql}: {e}");
    }
}

fn fixture(dir: &Path) -> Arc<Engine> {
    let mut o = EngineOptions::new(dir);
    o.storage.buffer_pool_pages = 1024;
    o.txn.autovacuum = false;
    let engine = Engine::open(o).expect("the engine opens");
    let s = &mut engine.session();
    exec(
        s,
        "CREATE TABLE regions (code text PRIMARY KEY, label text);
         CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text, signup int);
         CREATE INDEX customers_region ON customers (region);
         CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, amount int, placed int);
         CREATE INDEX orders_customer ON orders (customer_id);
         CREATE INDEX orders_placed ON orders (placed);
         CREATE TABLE items (order_id int, sku int, qty int);
         CREATE INDEX items_order_sku ON items (order_id, sku);
         CREATE VIEW big_orders AS SELECT id, customer_id, amount FROM orders WHERE amount > 900;
         INSERT INTO regions VALUES ('north', 'North'), ('south', 'South'), ('east', 'East'),
             ('west', 'West'), ('central', 'Central');",
    );
    const REGIONS: [&str; 5] = ["north", "south", "east", "west", "central"];
    let insert = |s: &mut Session, table: &str, rows: Vec<String>| {
        for chunk in rows.chunks(500) {
            exec(
                s,
                &format!("INSERT INTO {table} VALUES {}", chunk.join(", ")),
            );
        }
    };
    insert(
        s,
        "customers",
        (1..=1000)
            .map(|i| format!("({i}, 'c{i}', '{}', {})", REGIONS[i % 5], i % 365))
            .collect(),
    );
    insert(
        s,
        "orders",
        (1..=5000)
            .map(|i| format!("({i}, {}, {}, {})", i % 1000 + 1, (i * 37) % 1000, i / 2))
            .collect(),
    );
    insert(
        s,
        "items",
        (0..10000)
            .map(|i| format!("({}, {}, {})", i % 5000 + 1, i % 97, i % 5 + 1))
            .collect(),
    );
    exec(s, "ANALYZE");
    engine
}

fn text_rows(s: &mut Session, sql: &str) -> Vec<String> {
    let r = s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| format_value_opt(v).unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// The plan after each optimizer rule, as EXPLAIN prints it.
fn passes(engine: &Arc<Engine>, sql: &str) -> String {
    let stmt = binder::parse(sql)
        .expect("the statement parses")
        .pop()
        .expect("one statement");
    let state = engine.catalog().committed();
    let hint_texts = Hints::texts_in(sql);
    let ctx = BindContext {
        hints: hint_texts.clone(),
        ..BindContext::default()
    };
    let BoundStatement::Query { plan, .. } =
        binder::bind(&stmt, &state, &ctx).expect("the statement binds")
    else {
        panic!("{sql}: not a query");
    };
    let hints = Hints::parse(&hint_texts);
    let opt = OptContext {
        catalog: &state,
        stats: engine.stats(),
        hints: &hints,
    };
    let mut out = String::new();
    let _ = writeln!(out, "== as bound");
    for line in rustydb_sql::exec::explain(&plan, None, false) {
        let _ = writeln!(out, "{line}");
    }
    let traced = engine
        .optimizer()
        .optimize_traced(plan, &opt)
        .expect("the statement optimizes");
    for (rule, plan) in traced {
        let _ = writeln!(out, "== after {rule}");
        for line in rustydb_sql::exec::explain(&plan, None, false) {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// Replaces what varies from run to run or with the memory accounting (timings, sort
/// memory) with `N`.
fn mask(line: &str) -> String {
    let time = Regex::new(r"actual time=[0-9.]+\.\.[0-9.]+").expect("a valid regex");
    let total = Regex::new(r"(Execution|Planning) Time: [0-9.]+ ms").expect("a valid regex");
    let memory = Regex::new(r"Memory( Usage)?: [0-9]+kB").expect("a valid regex");
    let line = time.replace_all(line, "actual time=N..N");
    let line = total.replace_all(&line, "$1 Time: N ms");
    memory.replace_all(&line, "Memory$1: NkB").into_owned()
}

fn render(engine: &Arc<Engine>, s: &mut Session, about: &str, kind: Kind, sql: &str) -> String {
    let mut out = format!("-- {about}\n{sql}\n----\n");
    match kind {
        Kind::Explain => {
            for line in text_rows(s, &format!("EXPLAIN {sql}")) {
                let _ = writeln!(out, "{line}");
            }
            let n = text_rows(s, sql).len();
            let _ = writeln!(out, "----\n({n} row{})", if n == 1 { "" } else { "s" });
        }
        Kind::Analyze => {
            for line in text_rows(s, &format!("EXPLAIN ANALYZE {sql}")) {
                let _ = writeln!(out, "{}", mask(&line));
            }
        }
        Kind::Passes => out.push_str(&passes(engine, sql)),
    }
    out
}

#[test]
fn explain_goldens() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let engine = fixture(dir.path());
    let s = &mut engine.session();
    let update = std::env::var_os("UPDATE_GOLDENFILES").is_some();
    let golden = golden_dir();
    if update {
        std::fs::create_dir_all(&golden).expect("creating tests/golden");
    }
    let mut stale = Vec::new();
    for (name, about, kind, sql) in CASES {
        let want = render(&engine, s, about, *kind, sql);
        let path = golden.join(format!("{name}.txt"));
        if update {
            std::fs::write(&path, &want).expect("writing a golden file");
            continue;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            stale.push(format!(
                "==== {name}.txt\n---- expected (file)\n{have}---- actual\n{want}"
            ));
        }
    }
    // Every file belongs to a case, so a renamed case leaves nothing behind.
    let names: Vec<String> = CASES.iter().map(|c| format!("{}.txt", c.0)).collect();
    for entry in std::fs::read_dir(&golden).expect("reading tests/golden") {
        let file = entry.expect("a directory entry").file_name();
        let file = file.to_string_lossy().into_owned();
        if !names.contains(&file) {
            if update {
                std::fs::remove_file(golden.join(&file)).expect("removing a stale golden");
            } else {
                stale.push(format!("==== {file}: no case produces it"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} golden file(s) differ; if the change is intended, run \
         UPDATE_GOLDENFILES=1 cargo test -p rustydb-sql --test explain_golden \
         and review the diff\n{}",
        stale.len(),
        stale.join("\n")
    );
    engine.shutdown().expect("a clean shutdown");
}

/// The masking keeps everything but the timings and memory sizes.
#[test]
fn mask_hides_only_timings_and_memory() {
    assert_eq!(
        mask("->  Seq Scan on t (actual time=0.012..1.500 rows=3 loops=2)"),
        "->  Seq Scan on t (actual time=N..N rows=3 loops=2)"
    );
    assert_eq!(mask("Execution Time: 12.345 ms"), "Execution Time: N ms");
    assert_eq!(
        mask("Sort Method: top-N heapsort  Memory: 25kB"),
        "Sort Method: top-N heapsort  Memory: NkB"
    );
}

/// An uncorrelated subquery used as an index key is also re-checked as a filter: both
/// must see one evaluation, or a volatile subquery could find a row by one value and
/// reject it by another.
#[test]
fn initplan_key_and_recheck_share_one_evaluation() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut o = EngineOptions::new(dir.path());
    o.storage.buffer_pool_pages = 256;
    o.txn.autovacuum = false;
    let engine = Engine::open(o).expect("the engine opens");
    let s = &mut engine.session();
    exec(
        s,
        "CREATE TABLE t (id int8 PRIMARY KEY, v text);
         INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three');
         CREATE SEQUENCE s;",
    );
    let sql = "SELECT v FROM t WHERE id = (SELECT nextval('s'))";
    let plan = text_rows(s, &format!("EXPLAIN {sql}"));
    assert_eq!(plan[0], "Index Scan using t_pkey on t", "{plan:?}");
    assert_eq!(text_rows(s, sql), ["one"]);
    assert_eq!(text_rows(s, sql), ["two"]);
    assert_eq!(text_rows(s, "SELECT currval('s')"), ["2"]);
    engine.shutdown().expect("a clean shutdown");
}
