//! The one error shape: `{"error":{"code":"...","message":"..."}}`, with `position` for
//! query errors and `allowed` for refused state changes.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use steward_access::AccessError;
use steward_objects::ObjectError;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    position: Option<usize>,
    allowed: Option<Vec<String>>,
}

/// The body of every error answer (for the OpenAPI document).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `invalid_transition`.
    pub code: String,
    pub message: String,
    /// Byte offset of a search-query error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// For `409 invalid_transition`: the states the object may move to from where it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            position: None,
            allowed: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }
    pub fn with_position(mut self, position: usize) -> Self {
        self.position = Some(position);
        self
    }
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<ObjectError> for ApiError {
    fn from(e: ObjectError) -> Self {
        match e {
            ObjectError::NotFound { .. } => ApiError::not_found(e.to_string()),
            ObjectError::Invalid { .. } => ApiError::bad_request(e.to_string()),
            ObjectError::Csv { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_csv", e.to_string())
            }
            ObjectError::Conflict { message, allowed } => {
                let mut err = ApiError::new(StatusCode::CONFLICT, "invalid_transition", message);
                err.allowed = Some(allowed);
                err
            }
            other => {
                // Storage faults are logged in full here; the caller gets the gist.
                tracing::error!(error = %other, "object store");
                ApiError::internal(format!("storage error: {other}"))
            }
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::BadCredentials => ApiError::unauthorized(e.to_string()),
            AccessError::Locked { .. } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "locked", e.to_string())
            }
            AccessError::Exists => ApiError::new(StatusCode::CONFLICT, "exists", e.to_string()),
            AccessError::NotFound => ApiError::not_found(e.to_string()),
            AccessError::Invalid { .. } => ApiError::bad_request(e.to_string()),
            AccessError::LastAdmin => {
                ApiError::new(StatusCode::CONFLICT, "last_admin", e.to_string())
            }
            other => {
                tracing::error!(error = %other, "account store");
                ApiError::internal("account store error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(p) = self.position {
            error["position"] = p.into();
        }
        if let Some(allowed) = self.allowed {
            error["allowed"] = allowed.into();
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
