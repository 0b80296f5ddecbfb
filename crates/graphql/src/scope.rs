//! What a resolver knows about its request: the shared [`HttpContext`] and the
//! [`Principal`] it acts as. Both are put into every request's data by the HTTP and
//! websocket handlers ([`crate::http`]).

use std::sync::Arc;
use std::time::SystemTime;

use async_graphql::Error;
use async_graphql::dynamic::ResolverContext;
use rustydb_http::{ApiError, HttpContext, Principal};
use rustydb_sql::Engine;

use crate::errors::gql;

/// The context and caller of the request `ctx` belongs to.
pub(crate) fn caller(ctx: &ResolverContext<'_>) -> Result<(Arc<HttpContext>, Principal), Error> {
    let http = ctx.data::<Arc<HttpContext>>()?.clone();
    let who = ctx
        .data::<Principal>()
        .map_err(|_| {
            gql(ApiError::unauthorized(
                "authentication required: no API token was sent",
            ))
        })?
        .clone();
    Ok((http, who))
}

/// The engine, or the 503 error while the database starts.
pub(crate) fn engine(http: &HttpContext) -> Result<Arc<Engine>, Error> {
    http.engine().cloned().map_err(gql)
}

/// 403 unless the caller is a superuser.
pub(crate) fn superuser(who: &Principal, what: &str) -> Result<(), Error> {
    who.require_superuser(what).map_err(gql)
}

/// RFC 3339 text (UTC, microseconds) of a time.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A required string argument.
pub(crate) fn arg_str(ctx: &ResolverContext<'_>, name: &str) -> Result<String, Error> {
    Ok(ctx.args.try_get(name)?.string()?.to_string())
}

/// An optional string argument.
pub(crate) fn opt_str(ctx: &ResolverContext<'_>, name: &str) -> Result<Option<String>, Error> {
    match ctx.args.get(name) {
        Some(v) if !v.is_null() => Ok(Some(v.string()?.to_string())),
        _ => Ok(None),
    }
}

/// A 64-bit id argument, given as a number or a string of digits.
pub(crate) fn arg_id(ctx: &ResolverContext<'_>, name: &str) -> Result<u64, Error> {
    let v = ctx.args.try_get(name)?;
    if let Ok(n) = v.u64() {
        return Ok(n);
    }
    v.string()
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            crate::errors::bad_arg(format!("argument {name}: expected a non-negative integer"))
        })
}

/// An optional count argument bounded to `1..=max` (`default` when absent).
pub(crate) fn arg_limit(
    ctx: &ResolverContext<'_>,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, Error> {
    let Some(v) = ctx.args.get(name).filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    let n = v.i64()?;
    if n < 1 || usize::try_from(n).map_or(true, |n| n > max) {
        return Err(crate::errors::bad_arg(format!(
            "argument {name}: must be between 1 and {max}"
        )));
    }
    Ok(usize::try_from(n).unwrap_or(default))
}
