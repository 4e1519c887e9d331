//! The site's HTTP interface: router, authentication, and the one error shape.

mod alerts;
mod hec;
mod ingest;
mod search;

use crate::auth::Accounts;
use crate::metrics;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;
use steward_ingest::Pipeline;
use steward_store::{EventStore, WriterStats};

/// What every handler can reach.
pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub store: Arc<dyn EventStore>,
    pub accounts: Arc<Accounts>,
    pub writer_stats: Arc<WriterStats>,
    /// Longer records are cut and tagged `steward.truncated`.
    pub max_record_bytes: usize,
    /// `None` when detection is off (`[detect] enabled = false`).
    pub alerts: Option<Arc<steward_store::AlertStore>>,
    pub detect_stats: Option<Arc<crate::detection::DetectStats>>,
}

pub type Shared = Arc<AppState>;

pub fn router(state: Shared, max_body_bytes: usize) -> Router {
    let api = Router::new()
        .route("/api/v1/ingest", post(ingest::ingest))
        .route("/api/v1/events", get(search::events))
        .route("/api/v1/events/histogram", get(search::histogram))
        .route("/api/v1/events/top", get(search::top))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/{id}", get(alerts::one))
        .route("/services/collector", post(hec::event))
        .route("/services/collector/event", post(hec::event))
        .route("/services/collector/event/1.0", post(hec::event))
        .route("/services/collector/raw", post(hec::raw))
        .route("/services/collector/raw/1.0", post(hec::raw))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    // Deliberately public: liveness for orchestrators and scraping for Prometheus.
    let public = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render));
    api.merge(public)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// The token from `Authorization: Bearer <t>` (or `Splunk <t>`, as HEC clients send it).
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("splunk") {
        Some(token.trim())
    } else {
        None
    }
}

async fn require_token(State(state): State<Shared>, request: Request, next: Next) -> Response {
    match presented_token(request.headers()) {
        Some(token) if state.accounts.token_is_valid(token) => next.run(request).await,
        Some(_) => ApiError::unauthorized("the token is not valid").into_response(),
        None => ApiError::unauthorized("missing Authorization: Bearer <token>").into_response(),
    }
}

/// `{"error":{"code":"...","message":"..."}}` with an optional position for query errors.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    position: Option<usize>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            position: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
    pub fn with_position(mut self, position: usize) -> Self {
        self.position = Some(position);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(p) = self.position {
            error["position"] = p.into();
        }
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
