//! Console sign-in: `POST /api/v1/auth/login` (public), `/auth/logout`, `/auth/me`.

use super::extract::ApiJson;
use super::{ApiError, Shared, SESSION_COOKIE};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use steward_access::{Permission, Principal};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub name: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoginReply {
    /// The session secret: send it as `Authorization: Bearer …`; the console uses the
    /// `steward_session` cookie set alongside.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: Principal,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub principal: Principal,
    /// What this role may do, e.g. `incidents:write`.
    pub permissions: Vec<String>,
}

/// Signs in with a name and password and opens a console session.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "access",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginReply),
        (status = 400, body = super::error::ErrorBody),
        (status = 401, description = "Wrong name or password", body = super::error::ErrorBody),
        (status = 429, description = "Locked after repeated failures", body = super::error::ErrorBody),
    ))]
async fn login(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let access = state.access.clone();
    let name = request.name.clone();
    let outcome = super::extract::blocking(move || {
        access
            .login(&request.name, &request.password, Utc::now())
            .map_err(ApiError::from)
    })
    .await;
    let session = match outcome {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(user = %name, status = %e.status(), "sign-in refused");
            return Err(e);
        }
    };
    state.audit(
        &session.principal,
        "session.login",
        "user",
        session.principal.user_id,
        json!({}),
    );
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
        session.token
    );
    let reply = LoginReply {
        token: session.token,
        expires_at: session.expires_at,
        user: session.principal,
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(reply)).into_response())
}

/// Ends the calling session (a token is not affected: revoke it under `/api/v1/tokens`).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "access",
    security(("bearer" = ["self"])),
    responses((status = 200, body = Object), (status = 401, body = super::error::ErrorBody)))]
async fn logout(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // The same secret the request was let in with: bearer header, else the cookie.
    let secret = super::authz::presented_secret(&headers)
        .unwrap_or_default()
        .to_owned();
    let access = state.access.clone();
    let ended =
        super::extract::blocking(move || access.logout(&secret).map_err(ApiError::from)).await?;
    if ended {
        state.audit(&who, "session.logout", "user", who.user_id, json!({}));
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((
        [(header::SET_COOKIE, clear)],
        Json(json!({ "ended": ended })),
    )
        .into_response())
}

/// Who the caller is and what their role allows.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "access",
    security(("bearer" = ["self"])),
    responses((status = 200, body = Me), (status = 401, body = super::error::ErrorBody)))]
async fn me(Extension(who): Extension<Principal>) -> Json<Me> {
    let permissions = Permission::ALL
        .iter()
        .filter(|p| who.can(**p))
        .map(|p| p.as_str().to_owned())
        .collect();
    Json(Me {
        principal: who,
        permissions,
    })
}
