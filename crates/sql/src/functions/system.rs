//! System information functions that need no catalog: `format_type`, `pg_get_expr`,
//! `pg_size_pretty`, `pg_encoding_to_char`, `pg_tablespace_location`, `pg_is_in_recovery`,
//! the comment functions, and the evaluator behind `pg_cancel_backend` /
//! `pg_terminate_backend`.
//!
//! Functions that read the catalog (`pg_get_userbyid`, `pg_table_is_visible`,
//! `pg_get_indexdef`, sizes, privileges, ...) are resolved by the binder against the
//! statement's catalog snapshot (`binder/system_calls.rs`). Signalling a session needs
//! the engine at run time: the binder registers it here and passes its id as a hidden
//! argument of `pg_signal_backend`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};

use parking_lot::Mutex;
use rustydb_common::{DbError, ErrorCode};

use super::FuncDef;
use super::def::f;
use crate::engine::Engine;
use crate::types::{DataType as T, Value};

type R = Result<Value, DbError>;

fn engines() -> &'static Mutex<HashMap<usize, Weak<Engine>>> {
    static ENGINES: OnceLock<Mutex<HashMap<usize, Weak<Engine>>>> = OnceLock::new();
    ENGINES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Makes `engine` reachable by `pg_signal_backend`; returns the id to pass it.
pub(crate) fn register_engine(engine: &Arc<Engine>) -> i64 {
    let key = Arc::as_ptr(engine) as usize;
    let mut map = engines().lock();
    map.retain(|_, w| w.strong_count() > 0);
    map.insert(key, Arc::downgrade(engine));
    key as i64
}

/// `pg_signal_backend(engine, caller, pid, terminate)`: cancels or terminates session
/// `pid` as PostgreSQL does: superusers may signal any session, other roles only their
/// own user's (42501 otherwise); false if no session has that id.
fn signal_backend(a: &[Value], _: &super::EvalContext) -> R {
    let (Value::Int8(engine), Value::Int4(caller), Value::Int4(pid), Value::Bool(terminate)) =
        (&a[0], &a[1], &a[2], &a[3])
    else {
        return Err(DbError::internal("pg_signal_backend arguments"));
    };
    let Some(engine) = engines()
        .lock()
        .get(&(*engine as usize))
        .and_then(Weak::upgrade)
    else {
        return Err(DbError::internal("pg_signal_backend: the engine is gone"));
    };
    let Ok(pid) = u32::try_from(*pid) else {
        return Ok(Value::Bool(false));
    };
    let Some(target) = engine.sessions().get(pid) else {
        return Ok(Value::Bool(false));
    };
    let caller_user = u32::try_from(*caller)
        .ok()
        .and_then(|c| engine.sessions().get(c))
        .map(|e| e.info().user)
        .unwrap_or_default();
    let target_user = target.info().user;
    let state = engine.catalog().committed();
    if caller_user != target_user && !state.is_superuser(&caller_user) {
        let what = if *terminate { "terminate" } else { "cancel" };
        return Err(DbError::new(
            ErrorCode::SecPermissionDenied,
            format!("permission denied to {what} process"),
        )
        .with_sqlstate("42501")
        .with_detail(format!(
            "Only roles with the SUPERUSER attribute may {what} processes of other roles."
        ))
        .with_hint("Signal only sessions of your own role, or ask a superuser."));
    }
    Ok(Value::Bool(if *terminate {
        engine.sessions().terminate(pid)
    } else {
        engine.sessions().cancel(pid)
    }))
}

/// PostgreSQL's `pg_size_pretty`: bytes below 10 kB, then each unit while the value
/// stays below 20 of the next (half-rounded).
pub fn size_pretty(size: i64) -> String {
    const LIMIT: i64 = 10 * 1024;
    const LIMIT2: i64 = LIMIT * 2 - 1;
    if size.abs() < LIMIT {
        return format!("{size} bytes");
    }
    let half_rounded = |x: i64| (x + if x < 0 { -1 } else { 1 }) / 2;
    let mut s = size >> 9;
    for unit in ["kB", "MB", "GB", "TB"] {
        if s.abs() < LIMIT2 {
            return format!("{} {unit}", half_rounded(s));
        }
        s >>= 10;
    }
    format!("{} PB", half_rounded(s))
}

fn text(s: impl Into<String>) -> R {
    Ok(Value::Text(s.into()))
}

fn int8(v: &Value) -> Option<i64> {
    match v {
        Value::Int8(x) => Some(*x),
        _ => None,
    }
}

fn null_text(_: &[Value], _: &super::EvalContext) -> R {
    Ok(Value::Null)
}

pub(crate) fn functions() -> Vec<FuncDef> {
    vec![
        f("format_type", &[T::Int8, T::Int4], T::Text, |a, _| {
            let Some(oid) = int8(&a[0]) else {
                return Ok(Value::Null);
            };
            let typmod = match &a[1] {
                Value::Int4(m) if *m >= 0 => Some(*m),
                _ => None,
            };
            text(crate::catalog::system::format_type(oid, typmod))
        })
        .non_strict()
        .stable(),
        f("pg_get_expr", &[T::Text, T::Int8], T::Text, |a, _| {
            Ok(a[0].clone())
        })
        .stable(),
        f(
            "pg_get_expr",
            &[T::Text, T::Int8, T::Bool],
            T::Text,
            |a, _| Ok(a[0].clone()),
        )
        .stable(),
        f("pg_size_pretty", &[T::Int8], T::Text, |a, _| match &a[0] {
            Value::Int8(n) => text(size_pretty(*n)),
            _ => Ok(Value::Null),
        }),
        f("pg_encoding_to_char", &[T::Int4], T::Text, |a, _| {
            text(if a[0] == Value::Int4(6) { "UTF8" } else { "" })
        })
        .stable(),
        // Every relation lives in the data directory: the two built-in tablespaces
        // (pg_default, pg_global; also 0, "the database's default") have no separate
        // location, and there are no others.
        f(
            "pg_tablespace_location",
            &[T::Int8],
            T::Text,
            |a, _| match int8(&a[0]) {
                Some(0 | 1663 | 1664) => text(""),
                Some(oid) => Err(DbError::from_template(
                    ErrorCode::UndefinedObject,
                    &[("kind", &"tablespace"), ("name", &oid.to_string())],
                )
                .with_sqlstate("42704")
                .with_hint("RustyDB has only the tablespaces pg_default and pg_global.")),
                None => Ok(Value::Null),
            },
        )
        .stable(),
        // No replication yet: this server is never a standby.
        f("pg_is_in_recovery", &[], T::Bool, |_, _| {
            Ok(Value::Bool(false))
        })
        .volatile(),
        // RustyDB has no COMMENT ON: every object's description is NULL.
        f("obj_description", &[T::Int8], T::Text, null_text).stable(),
        f("obj_description", &[T::Int8, T::Text], T::Text, null_text).stable(),
        f("col_description", &[T::Int8, T::Int4], T::Text, null_text).stable(),
        f("shobj_description", &[T::Int8, T::Text], T::Text, null_text).stable(),
        // RustyDB has no triggers or extended statistics objects: PostgreSQL returns
        // NULL for an oid that is not one.
        f("pg_get_triggerdef", &[T::Int8], T::Text, null_text).stable(),
        f("pg_get_triggerdef", &[T::Int8, T::Bool], T::Text, null_text).stable(),
        f(
            "pg_get_statisticsobjdef_columns",
            &[T::Int8],
            T::Text,
            null_text,
        )
        .stable(),
        f(
            "pg_signal_backend",
            &[T::Int8, T::Int4, T::Int4, T::Bool],
            T::Bool,
            signal_backend,
        )
        .volatile(),
    ]
}
