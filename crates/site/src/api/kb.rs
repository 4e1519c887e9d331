//! `/api/v1/kb/articles`: the knowledge base (zh and en response plans, lessons learned).

use super::extract::{blocking, ApiJson, ApiQuery, IdPath};
use super::{created, ApiError, ApiResult, Shared};
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::Utc;
use serde_json::json;
use steward_access::Principal;
use steward_objects::kb::{ArticleFilter, ArticleInput, ArticleRecord};
use steward_objects::Page;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update, remove))
}

/// Articles, filtered by language, category, source or text.
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "kb",
    security(("bearer" = ["kb:read"])),
    params(ArticleFilter),
    responses((status = 200, body = Page<ArticleRecord>), (status = 400, body = super::error::ErrorBody)))]
async fn list(
    State(state): State<Shared>,
    ApiQuery(filter): ApiQuery<ArticleFilter>,
) -> ApiResult<Page<ArticleRecord>> {
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.list_articles(&filter).map_err(ApiError::from)).await?,
    ))
}

/// Writes a new article.
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "kb",
    security(("bearer" = ["kb:write"])),
    request_body = ArticleInput,
    responses((status = 201, body = ArticleRecord), (status = 400, body = super::error::ErrorBody),
        (status = 409, body = super::error::ErrorBody)))]
async fn create(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<ArticleInput>,
) -> Result<Response, ApiError> {
    let objects = state.objects.clone();
    let article = blocking(move || {
        objects
            .create_article(&input, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "kb.create",
        "kb_article",
        article.id,
        json!({"title": article.title}),
    );
    Ok(created(article))
}

/// One article.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "kb",
    security(("bearer" = ["kb:read"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ArticleRecord), (status = 404, body = super::error::ErrorBody)))]
async fn one(State(state): State<Shared>, IdPath(id): IdPath) -> ApiResult<ArticleRecord> {
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.get_article(id).map_err(ApiError::from)).await?,
    ))
}

/// Replaces an article.
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", tag = "kb",
    security(("bearer" = ["kb:write"])),
    params(("id" = i64, Path)),
    request_body = ArticleInput,
    responses((status = 200, body = ArticleRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
async fn update(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<ArticleInput>,
) -> ApiResult<ArticleRecord> {
    let objects = state.objects.clone();
    let article = blocking(move || {
        objects
            .update_article(id, &input, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "kb.update",
        "kb_article",
        id,
        json!({"title": article.title}),
    );
    Ok(Json(article))
}

/// Deletes an article.
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "kb",
    security(("bearer" = ["kb:write"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
async fn remove(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
) -> ApiResult<serde_json::Value> {
    let objects = state.objects.clone();
    blocking(move || objects.delete_article(id).map_err(ApiError::from)).await?;
    state.audit(&who, "kb.delete", "kb_article", id, json!({}));
    Ok(Json(json!({"deleted": id})))
}
