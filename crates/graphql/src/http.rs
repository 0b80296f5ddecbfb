//! The HTTP side: `POST /graphql`, the playground, its assets, and the websocket
//! endpoint for subscriptions.
//!
//! Every request runs against the [`SchemaCache`]'s schema for the committed catalog,
//! with the shared [`HttpContext`] and the caller's [`Principal`] in its data.
//!
//! Websocket clients (protocols `graphql-transport-ws` and the older `graphql-ws`)
//! authenticate either with an `Authorization: Bearer` header on the upgrade request or
//! with `{"Authorization": "Bearer ..."}` in the `connection_init` payload; without
//! either the connection is refused at `connection_init`.

use std::sync::Arc;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::extract::{FromRequestParts, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rustydb_http::{ApiError, ApiJson, HttpContext, Principal};

use crate::schema::SchemaCache;

/// `POST /graphql`.
pub(crate) async fn post(
    State(ctx): State<Arc<HttpContext>>,
    cache: Arc<SchemaCache>,
    principal: Principal,
    ApiJson(request): ApiJson<async_graphql::Request>,
) -> Result<GraphQLResponse, ApiError> {
    let schema = cache.get(&ctx)?;
    let request = request.data(ctx.clone()).data(principal);
    let response = schema.execute(request).await;
    Ok(crate::errors::annotate(response).into())
}

/// `GET /graphql/ws`: subscriptions.
pub(crate) async fn websocket(
    State(ctx): State<Arc<HttpContext>>,
    cache: Arc<SchemaCache>,
    request: Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    let principal = parts.extensions.get::<Principal>().cloned();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(p) => p,
        Err(_) => {
            return ApiError::bad_request(
                "header Sec-WebSocket-Protocol: expected graphql-transport-ws or graphql-ws",
            )
            .into_response();
        }
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(u) => u,
        Err(e) => {
            return ApiError::bad_request(format!("not a websocket upgrade request: {e}"))
                .into_response();
        }
    };
    let schema = match cache.get(&ctx) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let mut data = Data::default();
            data.insert(ctx.clone());
            let authenticated = principal.is_some();
            if let Some(p) = principal {
                data.insert(p);
            }
            GraphQLWebSocket::new(socket, schema, protocol)
                .with_data(data)
                .on_connection_init(move |payload| async move {
                    if authenticated {
                        return Ok(Data::default());
                    }
                    let principal = init_principal(&ctx, &payload).await?;
                    let mut data = Data::default();
                    data.insert(principal);
                    Ok(data)
                })
                .serve()
                .await;
        })
}

/// Authenticates a websocket from its `connection_init` payload.
async fn init_principal(
    ctx: &Arc<HttpContext>,
    payload: &serde_json::Value,
) -> async_graphql::Result<Principal> {
    let token = payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))
        .and_then(|v| v.as_str());
    let mut headers = HeaderMap::new();
    if let Some(t) = token {
        let v = HeaderValue::from_str(t).map_err(|_| {
            async_graphql::Error::new("the Authorization value is not valid header text")
        })?;
        headers.insert(header::AUTHORIZATION, v);
    }
    match rustydb_http::auth::authenticate(ctx, &headers, "/graphql/ws").await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(crate::errors::gql(ApiError::unauthorized(
            "authentication required: send {\"Authorization\": \"Bearer <token>\"} in the \
             connection_init payload or the Authorization header on the upgrade request",
        ))),
        Err(e) => Err(crate::errors::gql(e)),
    }
}
