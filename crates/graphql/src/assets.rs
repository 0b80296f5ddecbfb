//! The playground page and its assets, compiled into the binary (no CDN: the page
//! works on machines without internet access). GraphiQL 3.9.0 and React 18.3.1 are
//! the UMD builds from the npm registry; `assets/LICENSES.txt` has their licenses.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use rustydb_http::ApiError;

/// `(file name, content type, bytes)` of every asset under `/graphql/assets/`.
pub(crate) const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/react-dom.production.min.js"),
    ),
    (
        "playground.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/playground.js"),
    ),
    (
        "LICENSES.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/LICENSES.txt"),
    ),
];

const PLAYGROUND: &str = include_str!("../assets/playground.html");

/// `GET /graphql`: the GraphiQL page.
pub(crate) async fn playground() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PLAYGROUND,
    )
        .into_response()
}

/// `GET /graphql/assets/{file}`.
pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                // The files change only with a new server version.
                (header::CACHE_CONTROL, "public, max-age=604800"),
            ],
            *bytes,
        )
            .into_response(),
        None => ApiError::not_found(format!("GET /graphql/assets/{file}")).into_response(),
    }
}
