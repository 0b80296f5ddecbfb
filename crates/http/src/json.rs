//! `ApiJson<T>`: the JSON body extractor of the HTTP front ends. Unlike axum's `Json`, its
//! rejections are our JSON errors and name the offending field (`params[2]: invalid type:
//! map, expected ...`) through `serde_path_to_error`; an over-long body is 413.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::json_errors::payload_too_large;

/// A JSON request body of type `T`.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if !content_type.starts_with("application/json") {
            return Err(ApiError::bad_request(format!(
                "Content-Type must be application/json (got {:?})",
                content_type
            )));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                payload_too_large(None)
            } else {
                ApiError::bad_request(format!("cannot read the body: {e}"))
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() || path.is_empty() || path == "." {
            ApiError::bad_request(format!("malformed JSON: {inner}"))
        } else {
            ApiError::bad_request(format!("field {path}: {inner}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Q {
        sql: String,
        params: Vec<i32>,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse::<Q>(br#"{"sql": "x", "params": [1, "a"]}"#).unwrap_err();
        assert!(
            e.error().message().contains("field params[1]"),
            "{}",
            e.error().message()
        );
        let e = parse::<Q>(br#"{"sql": 1}"#).unwrap_err();
        assert!(
            e.error().message().contains("field sql"),
            "{}",
            e.error().message()
        );
        let e = parse::<Q>(b"{not json").unwrap_err();
        assert!(e.error().message().contains("malformed JSON"));
    }
}
