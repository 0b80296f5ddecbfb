//! The typed table API against a real engine: a dynamic schema built with
//! `rustydb_graphql::tables::register`, requests executed with the caller's principal.

use std::sync::Arc;

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, Object, Schema, TypeRef};
use async_graphql::{Request, Response};
use rustydb_common::config::Config;
use rustydb_http::{HttpContext, Principal};
use rustydb_pgwire::{PgServer, PgWireOptions};
use rustydb_sql::{Engine, EngineOptions};
use serde_json::{Value as Json, json};

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Arc<Engine>,
    ctx: Arc<HttpContext>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(EngineOptions::new(dir.path())).expect("engine opens");
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let ctx = HttpContext::new(config);
    ctx.attach(
        engine.clone(),
        PgServer::new(engine.clone(), PgWireOptions::default()),
    );
    Fixture {
        _dir: dir,
        engine,
        ctx,
    }
}

impl Fixture {
    fn sql(&self, sql: &str) {
        let mut s = self.engine.session();
        s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn schema(&self) -> Schema {
        let query =
            Object::new("Query").field(Field::new("ping", TypeRef::named_nn(TypeRef::INT), |_| {
                FieldFuture::new(async { Ok(Some(FieldValue::value(1))) })
            }));
        let mutation = Object::new("Mutation");
        let builder = Schema::build("Query", Some("Mutation"), None);
        let (builder, query, mutation) =
            rustydb_graphql::tables::register(builder, query, mutation, &self.engine)
                .expect("register");
        builder
            .register(query)
            .register(mutation)
            .finish()
            .expect("the schema is valid")
    }

    async fn run_as(&self, schema: &Schema, user: &str, q: &str) -> Response {
        let principal = Principal {
            user: user.into(),
            superuser: user == "rustydb",
            token_id: None,
        };
        schema
            .execute(Request::new(q).data(self.ctx.clone()).data(principal))
            .await
    }

    /// Runs `q` as the superuser and returns its data, failing on any error.
    async fn ok(&self, schema: &Schema, q: &str) -> Json {
        let r = self.run_as(schema, "rustydb", q).await;
        assert!(r.errors.is_empty(), "{q}: {:?}", r.errors);
        r.data.into_json().expect("json")
    }
}

fn people(f: &Fixture) {
    f.sql(
        "CREATE TABLE people (id integer PRIMARY KEY, name text NOT NULL, age smallint, \
         big bigint, score double precision, balance numeric(10,2), active boolean, \
         born date, seen timestamp, code varchar(5), initial char(2), photo bytea, \
         tags jsonb, uid uuid)",
    );
    f.sql(
        "INSERT INTO people VALUES \
         (1, 'ann', 31, 9007199254740993, 1.5, 12.50, true, '1990-01-02', '2020-05-06 07:08:09', 'a1', 'A', '\\x01ab', '{\"k\": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), \
         (2, 'bob', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), \
         (3, 'cid', 25, -5, 2.25, 0.10, false, '2001-12-31', '1999-01-01 00:00:00', 'c3', 'C', '\\x', '[1, 2]', NULL)",
    );
}

#[tokio::test]
async fn each_column_type_maps_to_its_graphql_type() {
    let f = fixture();
    people(&f);
    let schema = f.schema();
    let sdl = schema.sdl();
    for field in [
        "id: Int!",
        "name: String!",
        "age: Int",
        "big: BigInt",
        "score: Float",
        "balance: Decimal",
        "active: Boolean",
        "born: String",
        "seen: String",
        "code: String",
        "initial: String",
        "photo: String",
        "tags: String",
        "uid: String",
    ] {
        assert!(sdl.contains(field), "missing `{field}` in\n{sdl}");
    }
    assert!(sdl.contains("people_byPk(id: Int!): people"), "{sdl}");
    let d = f
        .ok(
            &schema,
            "{ people_byPk(id: 1) { id name age big score balance active born seen code initial photo tags uid } }",
        )
        .await;
    assert_eq!(
        d["people_byPk"],
        json!({"id": 1, "name": "ann", "age": 31, "big": "9007199254740993", "score": 1.5,
               "balance": "12.50", "active": true, "born": "1990-01-02",
               "seen": "2020-05-06 07:08:09", "code": "a1", "initial": "A ", "photo": "\\x01ab",
               "tags": "{\"k\":1}", "uid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"})
    );
    // NULLs come back as null; a missing key is null, not an error.
    let d = f
        .ok(
            &schema,
            "{ people_byPk(id: 2) { age big score balance active born photo } }",
        )
        .await;
    assert_eq!(
        d["people_byPk"],
        json!({"age": null, "big": null, "score": null, "balance": null, "active": null, "born": null, "photo": null})
    );
    let d = f.ok(&schema, "{ people_byPk(id: 99) { id } }").await;
    assert_eq!(d["people_byPk"], Json::Null);
}

#[tokio::test]
async fn lists_filter_order_and_page() {
    let f = fixture();
    people(&f);
    let schema = f.schema();
    let d = f
        .ok(&schema, "{ people_list(orderBy: [{id: DESC}]) { id } }")
        .await;
    assert_eq!(d["people_list"], json!([{"id": 3}, {"id": 2}, {"id": 1}]));
    let d = f
        .ok(
            &schema,
            "{ people_list(where: {age: {gte: 25}}, orderBy: [{age: ASC}], limit: 1) { name } }",
        )
        .await;
    assert_eq!(d["people_list"], json!([{"name": "cid"}]));
    let d = f
        .ok(
            &schema,
            "{ people_list(orderBy: [{id: ASC}], limit: 1, offset: 1) { id } }",
        )
        .await;
    assert_eq!(d["people_list"], json!([{"id": 2}]));
    let d = f
        .ok(
            &schema,
            "{ people_list(where: {age: {isNull: true}}) { id } }",
        )
        .await;
    assert_eq!(d["people_list"], json!([{"id": 2}]));
    let d = f
        .ok(
            &schema,
            "{ people_list(where: {name: {like: \"%n%\"}}, orderBy: [{id: ASC}]) { id } }",
        )
        .await;
    assert_eq!(d["people_list"], json!([{"id": 1}]));
    let d = f
        .ok(
            &schema,
            "{ people_list(where: {or: [{id: {in: [1, 3]}}, {big: {eq: \"9007199254740993\"}}], \
             not: {active: {eq: false}}}, orderBy: [{id: ASC}]) { id } }",
        )
        .await;
    assert_eq!(d["people_list"], json!([{"id": 1}]));
    let d = f
        .ok(
            &schema,
            "{ people_list(where: {balance: {lt: \"1\"}, born: {gt: \"2000-01-01\"}}) { id } }",
        )
        .await;
    assert_eq!(d["people_list"], json!([{"id": 3}]));
    // NULLS placement follows PostgreSQL: last ascending unless asked.
    let d = f
        .ok(&schema, "{ a: people_list(orderBy: [{age: ASC}]) { id } b: people_list(orderBy: [{age: ASC_NULLS_FIRST}]) { id } }")
        .await;
    assert_eq!(d["a"], json!([{"id": 3}, {"id": 1}, {"id": 2}]));
    assert_eq!(d["b"], json!([{"id": 2}, {"id": 3}, {"id": 1}]));
    // A value that is not of the column's type is the engine's 22P02, with its code.
    let r = f
        .run_as(
            &schema,
            "rustydb",
            "{ people_list(where: {born: {eq: \"nope\"}}) { id } }",
        )
        .await;
    let e = r.errors.first().expect("an error");
    let ext = serde_json::to_value(&e.extensions).expect("json");
    assert_eq!(ext["sqlstate"], "22007", "{ext}");
}

#[tokio::test]
async fn mutations_return_their_rows() {
    let f = fixture();
    f.sql("CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL, qty integer DEFAULT 7, price numeric)");
    let schema = f.schema();
    let d = f
        .ok(
            &schema,
            "mutation { insert_items(objects: [{label: \"a\", qty: 1, price: \"2.50\"}, {label: \"b\"}]) \
             { affected_rows returning { id label qty price } } }",
        )
        .await;
    assert_eq!(
        d["insert_items"],
        json!({"affected_rows": 2, "returning": [
            {"id": 1, "label": "a", "qty": 1, "price": "2.50"},
            {"id": 2, "label": "b", "qty": 7, "price": null}]})
    );
    let d = f
        .ok(
            &schema,
            "mutation { update_items(where: {label: {eq: \"b\"}}, set: {qty: 9, price: null}) \
             { affected_rows returning { id qty price } } }",
        )
        .await;
    assert_eq!(
        d["update_items"],
        json!({"affected_rows": 1, "returning": [{"id": 2, "qty": 9, "price": null}]})
    );
    let d = f
        .ok(&schema, "mutation { delete_items(where: {qty: {lt: 5}}) { affected_rows returning { label } } }")
        .await;
    assert_eq!(
        d["delete_items"],
        json!({"affected_rows": 1, "returning": [{"label": "a"}]})
    );
    let d = f.ok(&schema, "{ items_list { id label qty } }").await;
    assert_eq!(d["items_list"], json!([{"id": 2, "label": "b", "qty": 9}]));
    // A constraint violation is a GraphQL error with the SQLSTATE; nothing is inserted.
    let r = f
        .run_as(
            &schema,
            "rustydb",
            "mutation { insert_items(objects: [{label: \"c\"}, {label: null}]) { affected_rows } }",
        )
        .await;
    let ext = serde_json::to_value(&r.errors.first().expect("an error").extensions).expect("json");
    assert_eq!(ext["sqlstate"], "23502", "{ext}");
    let d = f.ok(&schema, "{ items_list { id } }").await;
    assert_eq!(d["items_list"], json!([{"id": 2}]));
}

#[tokio::test]
async fn callers_without_privilege_get_42501() {
    let f = fixture();
    people(&f);
    f.sql("CREATE ROLE alice LOGIN");
    let schema = f.schema();
    let r = f.run_as(&schema, "alice", "{ people_list { id } }").await;
    let e = r.errors.first().expect("a permission error");
    let ext = serde_json::to_value(&e.extensions).expect("json");
    assert_eq!(ext["sqlstate"], "42501", "{ext}");
    assert_eq!(ext["code"], "SEC-002", "{ext}");
    assert!(
        ext["hint"].as_str().is_some_and(|h| h.contains("GRANT")),
        "{ext}"
    );
    assert!(e.message.contains("people"), "{}", e.message);
    let r = f
        .run_as(
            &schema,
            "alice",
            "mutation { delete_people(where: {}) { affected_rows } }",
        )
        .await;
    let ext = serde_json::to_value(&r.errors.first().expect("an error").extensions).expect("json");
    assert_eq!(ext["sqlstate"], "42501", "{ext}");
    f.sql("GRANT SELECT ON people TO alice");
    let r = f
        .run_as(
            &schema,
            "alice",
            "{ people_list(orderBy: [{id: ASC}]) { id } }",
        )
        .await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        r.data.into_json().expect("json")["people_list"],
        json!([{"id": 1}, {"id": 2}, {"id": 3}])
    );
}

#[tokio::test]
async fn the_schema_follows_ddl() {
    let f = fixture();
    f.sql("CREATE TABLE a (x integer)");
    f.sql("CREATE SCHEMA s");
    f.sql("CREATE TABLE s.a (y text)");
    f.sql("CREATE TABLE a_filter (z integer)");
    let sdl = f.schema().sdl();
    assert!(sdl.contains("type a {"), "{sdl}");
    assert!(sdl.contains("type s_a {"), "{sdl}");
    assert!(sdl.contains("type a_filter_2 {"), "{sdl}");
    assert!(sdl.contains("a_filter_2_list("), "{sdl}");
    assert!(!sdl.contains("people"), "{sdl}");
    assert!(!sdl.contains("api_tokens"), "{sdl}");
    f.sql("CREATE TABLE people (id integer PRIMARY KEY)");
    f.sql("ALTER TABLE a ADD COLUMN w boolean NOT NULL DEFAULT true");
    let schema = f.schema();
    let sdl = schema.sdl();
    assert!(sdl.contains("type people {"), "{sdl}");
    assert!(sdl.contains("w: Boolean!"), "{sdl}");
    f.sql("INSERT INTO s.a VALUES ('q')");
    // Identifiers needing quotes (and a quote inside) are escaped in the SQL.
    f.sql("CREATE TABLE \"we\"\"ird x\" (\"a b\" integer, \"and\" text)");
    let schema = f.schema();
    let d = f
        .ok(
            &schema,
            "mutation { insert_we_ird_x(objects: [{a_b: 1, and_2: \"p\"}]) { returning { a_b and_2 } } }",
        )
        .await;
    assert_eq!(
        d["insert_we_ird_x"]["returning"],
        json!([{"a_b": 1, "and_2": "p"}])
    );
    let d = f.ok(&schema, "{ s_a_list { y } a_list { x w } }").await;
    assert_eq!(d, json!({"s_a_list": [{"y": "q"}], "a_list": []}));
}

#[tokio::test]
async fn lists_longer_than_max_result_rows_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(EngineOptions::new(dir.path())).expect("engine opens");
    let mut config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    config.http.max_result_rows = 2;
    let ctx = HttpContext::new(config);
    ctx.attach(
        engine.clone(),
        PgServer::new(engine.clone(), PgWireOptions::default()),
    );
    let f = Fixture {
        _dir: dir,
        engine,
        ctx,
    };
    people(&f);
    let schema = f.schema();
    let r = f.run_as(&schema, "rustydb", "{ people_list { id } }").await;
    let ext = serde_json::to_value(&r.errors.first().expect("an error").extensions).expect("json");
    assert_eq!(ext["code"], "ERR-API-006", "{ext}");
    let d = f
        .ok(
            &schema,
            "{ people_list(orderBy: [{id: ASC}], limit: 2) { id } }",
        )
        .await;
    assert_eq!(d["people_list"], json!([{"id": 1}, {"id": 2}]));
    let r = f
        .run_as(&schema, "rustydb", "{ people_list(limit: -1) { id } }")
        .await;
    let ext = serde_json::to_value(&r.errors.first().expect("an error").extensions).expect("json");
    assert_eq!(ext["code"], "ERR-API-003", "{ext}");
}

#[tokio::test]
async fn numbers_as_input_and_nan_as_output() {
    let f = fixture();
    people(&f);
    let schema = f.schema();
    // Decimal and BigInt take numbers as well as strings.
    let d = f
        .ok(
            &schema,
            "{ people_list(where: {balance: {lt: 1}, big: {lt: 0}}) { id } }",
        )
        .await;
    assert_eq!(d["people_list"], json!([{"id": 3}]));
    // NaN cannot be a GraphQL Float: the field is an error, not a made-up number.
    f.sql("UPDATE people SET score = 'NaN' WHERE id = 3");
    let r = f
        .run_as(&schema, "rustydb", "{ people_byPk(id: 3) { score } }")
        .await;
    let ext = serde_json::to_value(&r.errors.first().expect("an error").extensions).expect("json");
    assert_eq!(ext["sqlstate"], "0A000", "{ext}");
}
