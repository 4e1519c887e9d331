//! `/api/v1/vulnerabilities`: findings, their lifecycle, and scanner report uploads.

use super::extract::{blocking, ApiJson, ApiQuery, IdPath, RawBody};
use super::{created, ApiError, ApiResult, Shared};
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use steward_access::Principal;
use steward_objects::vulns::{
    ImportRecord, ImportSummary, VulnChange, VulnCounts, VulnDetail, VulnFilter, VulnRecord,
};
use steward_objects::{Page, PageRequest};
use steward_vuln::Format;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `upload_limit` bounds report uploads (the other routes keep the site-wide limit).
pub fn routes(upload_limit: usize) -> OpenApiRouter<Shared> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(list_imports, upload))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(summary))
        .routes(routes!(one))
        .routes(routes!(change))
        .merge(uploads)
}

/// Findings, filtered, sorted (default: severity, newest first) and paged.
#[utoipa::path(get, path = "/api/v1/vulnerabilities", tag = "vulnerabilities",
    security(("bearer" = ["vulns:read"])),
    params(VulnFilter),
    responses((status = 200, body = Page<VulnRecord>), (status = 400, body = super::error::ErrorBody)))]
async fn list(
    State(state): State<Shared>,
    ApiQuery(filter): ApiQuery<VulnFilter>,
) -> ApiResult<Page<VulnRecord>> {
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.list_vulns(&filter).map_err(ApiError::from)).await?,
    ))
}

/// Open findings by severity and all findings by state.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/summary", tag = "vulnerabilities",
    security(("bearer" = ["vulns:read"])),
    responses((status = 200, body = VulnCounts)))]
async fn summary(State(state): State<Shared>) -> ApiResult<VulnCounts> {
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.vuln_counts().map_err(ApiError::from)).await?,
    ))
}

/// One finding with its history.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/{id}", tag = "vulnerabilities",
    security(("bearer" = ["vulns:read"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = VulnDetail), (status = 404, body = super::error::ErrorBody)))]
async fn one(State(state): State<Shared>, IdPath(id): IdPath) -> ApiResult<VulnDetail> {
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.get_vuln(id).map_err(ApiError::from)).await?,
    ))
}

/// Moves a finding along its lifecycle (open → confirmed → assigned → fixed → verified,
/// or accepted risk / false positive). A move the current state does not allow answers
/// 409 with the allowed states.
#[utoipa::path(post, path = "/api/v1/vulnerabilities/{id}/state", tag = "vulnerabilities",
    security(("bearer" = ["vulns:write"])),
    params(("id" = i64, Path)),
    request_body = VulnChange,
    responses((status = 200, body = VulnDetail), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
async fn change(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(change): ApiJson<VulnChange>,
) -> ApiResult<VulnDetail> {
    let details = serde_json::to_value(&change).unwrap_or_default();
    let objects = state.objects.clone();
    let actor = who.actor();
    let detail = blocking(move || {
        objects
            .change_vuln(id, &change, &actor, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(&who, "vuln.state", "vulnerability", id, details);
    Ok(Json(detail))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Where the report came from (shown in the import list); default `upload`.
    pub name: Option<String>,
    /// nuclei, nessus, openvas or nmap; default: detected from the content.
    pub format: Option<Format>,
    /// 1 to 500; default 50.
    #[serde(default, deserialize_with = "steward_objects::limit_param")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    #[serde(default, deserialize_with = "steward_objects::offset_param")]
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub offset: Option<u64>,
}

/// Past imports, newest first.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/imports", tag = "vulnerabilities",
    security(("bearer" = ["vulns:read"])),
    params(ImportParams),
    responses((status = 200, body = Page<ImportRecord>), (status = 400, body = super::error::ErrorBody)))]
async fn list_imports(
    State(state): State<Shared>,
    ApiQuery(p): ApiQuery<ImportParams>,
) -> ApiResult<Page<ImportRecord>> {
    let objects = state.objects.clone();
    let page = PageRequest {
        limit: p.limit,
        offset: p.offset,
    };
    Ok(Json(
        blocking(move || objects.list_imports(page).map_err(ApiError::from)).await?,
    ))
}

/// Uploads a scanner report (nuclei JSONL, Nessus v2, OpenVAS/GVM XML, nmap XML) as the
/// request body. All or nothing: a malformed or truncated file answers 400 naming the
/// first problem's line and column, and nothing is imported. Findings a newer scan of
/// the same scope no longer reports are closed.
#[utoipa::path(post, path = "/api/v1/vulnerabilities/imports", tag = "vulnerabilities",
    security(("bearer" = ["vulns:write"])),
    params(ImportParams),
    request_body(content = String, content_type = "application/octet-stream"),
    responses((status = 201, body = ImportSummary), (status = 400, body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody)))]
async fn upload(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    ApiQuery(p): ApiQuery<ImportParams>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    if body.len() > state.max_upload_bytes {
        return Err(ApiError::too_large(format!(
            "the report is {} bytes; the limit is {} ([api] max_upload_bytes)",
            body.len(),
            state.max_upload_bytes
        )));
    }
    let name = p.name.unwrap_or_else(|| "upload".to_owned());
    let format = p.format.unwrap_or(Format::Auto);
    let objects = state.objects.clone();
    let policy = state.vuln_policy;
    let actor = who.actor();
    let summary = blocking(move || {
        let report = steward_vuln::import(&body, format).map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "bad_report",
                e.to_string(),
            )
        })?;
        objects
            .import_report(&report, &name, &policy, &actor, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "vuln.import",
        "vuln_import",
        summary.import_id,
        serde_json::to_value(&summary).unwrap_or_else(|_| json!({})),
    );
    Ok(created(summary))
}
