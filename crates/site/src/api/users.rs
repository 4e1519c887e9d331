//! Users (`/api/v1/users`) and API tokens (`/api/v1/tokens`).

use super::extract::{blocking, ApiJson, ApiQuery, IdPath};
use super::{created, ApiError, ApiResult, Shared};
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use steward_access::{NewUser, Principal, TokenInfo, User, UserUpdate};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<User>,
    pub total: u64,
}

/// Lists the site's users.
#[utoipa::path(get, path = "/api/v1/users", tag = "access",
    security(("bearer" = ["users:read"])),
    responses((status = 200, body = UserList), (status = 401, body = super::error::ErrorBody),
        (status = 403, body = super::error::ErrorBody)))]
async fn list_users(State(state): State<Shared>) -> ApiResult<UserList> {
    let access = state.access.clone();
    let items = blocking(move || access.list_users().map_err(ApiError::from)).await?;
    Ok(Json(UserList {
        total: items.len() as u64,
        items,
    }))
}

/// Creates a user with a role (admin, analyst, customer_viewer, auditor).
#[utoipa::path(post, path = "/api/v1/users", tag = "access",
    security(("bearer" = ["users:write"])),
    request_body = NewUser,
    responses((status = 201, body = User), (status = 400, body = super::error::ErrorBody),
        (status = 409, body = super::error::ErrorBody)))]
async fn create_user(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<NewUser>,
) -> Result<Response, ApiError> {
    let access = state.access.clone();
    let user = blocking(move || {
        access
            .create_user(&input, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "user.create",
        "user",
        user.id,
        json!({"name": user.name, "role": user.role.as_str()}),
    );
    Ok(created(user))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "access",
    security(("bearer" = ["users:read"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = super::error::ErrorBody)))]
async fn get_user(State(state): State<Shared>, IdPath(id): IdPath) -> ApiResult<User> {
    let access = state.access.clone();
    Ok(Json(
        blocking(move || access.get_user(id).map_err(ApiError::from)).await?,
    ))
}

/// Changes a user's role, display name, password or disabled flag. Role, password and
/// disabled changes end the user's sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "access",
    security(("bearer" = ["users:write"])),
    params(("id" = i64, Path)),
    request_body = UserUpdate,
    responses((status = 200, body = User), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
async fn update_user(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(update): ApiJson<UserUpdate>,
) -> ApiResult<User> {
    let details = json!({
        "role": update.role.map(|r| r.as_str()),
        "disabled": update.disabled,
        "password_changed": update.password.is_some(),
        "display_name": update.display_name,
    });
    let access = state.access.clone();
    let user = blocking(move || {
        access
            .update_user(id, &update, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(&who, "user.update", "user", id, details);
    Ok(Json(user))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TokenFilter {
    /// Only this user's tokens.
    pub user_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenInfo>,
    pub total: u64,
}

/// Lists API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "access",
    security(("bearer" = ["users:read"])),
    params(TokenFilter),
    responses((status = 200, body = TokenList), (status = 400, body = super::error::ErrorBody)))]
async fn list_tokens(
    State(state): State<Shared>,
    ApiQuery(filter): ApiQuery<TokenFilter>,
) -> ApiResult<TokenList> {
    let access = state.access.clone();
    let items =
        blocking(move || access.list_tokens(filter.user_id).map_err(ApiError::from)).await?;
    Ok(Json(TokenList {
        total: items.len() as u64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub user_id: i64,
    /// What the token is for, e.g. `collector-dmz`.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^(?=.*\\S)[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenInfo,
    /// The secret, shown this once; only its hash is kept.
    pub secret: String,
}

/// Creates an API token for a user; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "access",
    security(("bearer" = ["users:write"])),
    request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody)))]
async fn create_token(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    let access = state.access.clone();
    let (token, secret) = blocking(move || {
        access
            .create_token(input.user_id, &input.name, input.expires_at, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "token.create",
        "token",
        token.id,
        json!({"user_id": token.user_id, "name": token.name}),
    );
    Ok(created(CreatedToken { token, secret }))
}

/// Revokes an API token at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access",
    security(("bearer" = ["users:write"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
async fn revoke_token(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
) -> ApiResult<serde_json::Value> {
    let access = state.access.clone();
    blocking(move || access.revoke_token(id).map_err(ApiError::from)).await?;
    state.audit(&who, "token.revoke", "token", id, json!({}));
    Ok(Json(json!({"revoked": id})))
}
