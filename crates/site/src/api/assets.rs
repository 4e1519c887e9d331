//! `/api/v1/assets`: the inventory, shadow assets, CSV import and export.

use super::extract::{blocking, ApiJson, ApiQuery, IdPath, RawBody};
use super::{created, ApiError, ApiResult, Shared};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde_json::json;
use steward_access::Principal;
use steward_objects::assets::{
    AssetFilter, AssetInput, AssetRecord, AssetSource, CsvImportSummary,
};
use steward_objects::Page;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(shadow))
        .routes(routes!(export_csv))
        .routes(routes!(import_csv))
        .routes(routes!(one, update, remove))
        .routes(routes!(approve))
}

async fn list_with(state: &Shared, filter: AssetFilter) -> ApiResult<Page<AssetRecord>> {
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.list_assets(&filter).map_err(ApiError::from)).await?,
    ))
}

/// Assets, filtered, sorted and paged.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets",
    security(("bearer" = ["assets:read"])),
    params(AssetFilter),
    responses((status = 200, body = Page<AssetRecord>), (status = 400, body = super::error::ErrorBody)))]
async fn list(
    State(state): State<Shared>,
    ApiQuery(filter): ApiQuery<AssetFilter>,
) -> ApiResult<Page<AssetRecord>> {
    list_with(&state, filter).await
}

/// Shadow assets: seen in traffic or scans, absent from the approved inventory.
#[utoipa::path(get, path = "/api/v1/assets/shadow", tag = "assets",
    security(("bearer" = ["assets:read"])),
    params(AssetFilter),
    responses((status = 200, body = Page<AssetRecord>), (status = 400, body = super::error::ErrorBody)))]
async fn shadow(
    State(state): State<Shared>,
    ApiQuery(mut filter): ApiQuery<AssetFilter>,
) -> ApiResult<Page<AssetRecord>> {
    filter.approved = Some(false);
    list_with(&state, filter).await
}

/// Adds an asset to the approved inventory.
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets",
    security(("bearer" = ["assets:write"])),
    request_body = AssetInput,
    responses((status = 201, body = AssetRecord), (status = 400, body = super::error::ErrorBody),
        (status = 409, body = super::error::ErrorBody)))]
async fn create(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<AssetInput>,
) -> Result<Response, ApiError> {
    let objects = state.objects.clone();
    let asset = blocking(move || {
        objects
            .create_asset(&input, AssetSource::Manual, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "asset.create",
        "asset",
        asset.id,
        json!({"name": asset.name}),
    );
    Ok(created(asset))
}

/// One asset.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets",
    security(("bearer" = ["assets:read"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AssetRecord), (status = 404, body = super::error::ErrorBody)))]
async fn one(State(state): State<Shared>, IdPath(id): IdPath) -> ApiResult<AssetRecord> {
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.get_asset(id).map_err(ApiError::from)).await?,
    ))
}

/// Replaces an asset's editable fields.
#[utoipa::path(put, path = "/api/v1/assets/{id}", tag = "assets",
    security(("bearer" = ["assets:write"])),
    params(("id" = i64, Path)),
    request_body = AssetInput,
    responses((status = 200, body = AssetRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
async fn update(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<AssetInput>,
) -> ApiResult<AssetRecord> {
    let details = serde_json::to_value(&input).unwrap_or_default();
    let objects = state.objects.clone();
    let asset = blocking(move || {
        objects
            .update_asset(id, &input, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(&who, "asset.update", "asset", id, details);
    Ok(Json(asset))
}

/// Deletes an asset.
#[utoipa::path(delete, path = "/api/v1/assets/{id}", tag = "assets",
    security(("bearer" = ["assets:write"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
async fn remove(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
) -> ApiResult<serde_json::Value> {
    let objects = state.objects.clone();
    blocking(move || objects.delete_asset(id).map_err(ApiError::from)).await?;
    state.audit(&who, "asset.delete", "asset", id, json!({}));
    Ok(Json(json!({"deleted": id})))
}

/// Takes a shadow asset into the approved inventory.
#[utoipa::path(post, path = "/api/v1/assets/{id}/approve", tag = "assets",
    security(("bearer" = ["assets:write"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AssetRecord), (status = 404, body = super::error::ErrorBody)))]
async fn approve(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
) -> ApiResult<AssetRecord> {
    let objects = state.objects.clone();
    let asset = blocking(move || {
        objects
            .approve_asset(id, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "asset.approve",
        "asset",
        id,
        json!({"name": asset.name}),
    );
    Ok(Json(asset))
}

/// The matching assets as CSV (the import's columns; multi-values joined by `;`).
#[utoipa::path(get, path = "/api/v1/assets/export", tag = "assets",
    security(("bearer" = ["assets:read"])),
    params(AssetFilter),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 400, body = super::error::ErrorBody)))]
async fn export_csv(
    State(state): State<Shared>,
    ApiQuery(filter): ApiQuery<AssetFilter>,
) -> Result<Response, ApiError> {
    let objects = state.objects.clone();
    let csv = blocking(move || objects.export_assets_csv(&filter).map_err(ApiError::from)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"assets.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// Imports assets from CSV (header row; `kind` and `name` required), matched by name.
/// All or nothing: the first bad row answers 400 with its line number.
#[utoipa::path(post, path = "/api/v1/assets/import", tag = "assets",
    security(("bearer" = ["assets:write"])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = CsvImportSummary), (status = 400, body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody)))]
async fn import_csv(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    RawBody(body): RawBody,
) -> ApiResult<CsvImportSummary> {
    let objects = state.objects.clone();
    let summary = blocking(move || {
        objects
            .import_assets_csv(&body, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "asset.import",
        "asset",
        "csv",
        serde_json::to_value(summary).unwrap_or_default(),
    );
    Ok(Json(summary))
}
