//! `GET /api/v1/audit` (the chain's entries) and `/api/v1/audit/verify`.

use super::extract::{blocking, ApiQuery};
use super::{ApiError, ApiResult, Shared};
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(verify))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries before this sequence number (paging: pass `next_before_seq`).
    #[serde(default, deserialize_with = "before_seq_param")]
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub before_seq: Option<u64>,
    /// Only this action, e.g. `incident.transition`, or a prefix ending in `*`.
    pub action: Option<String>,
    /// Only this actor, e.g. `user:alice`.
    pub actor: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// 1..=1000, default 100.
    #[serde(default, deserialize_with = "limit_param")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

fn before_seq_param<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    steward_objects::query_in_range(d, "before_seq", 0, steward_objects::MAX_OFFSET)
}

fn limit_param<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    steward_objects::query_in_range(d, "limit", 1, 1000)
}

/// One link of the chain (see `steward admin audit verify`).
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: u64,
    pub time: chrono::DateTime<chrono::Utc>,
    /// user, token, automation or system.
    pub actor_kind: String,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `before_seq` for the next (older) page; absent on the last one.
    pub next_before_seq: Option<u64>,
}

/// Audit entries, newest first, filtered.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    security(("bearer" = ["audit:read"])),
    params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 400, body = super::error::ErrorBody)))]
async fn list(
    State(state): State<Shared>,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<AuditPage> {
    let limit = p.limit.unwrap_or(100) as usize; // 1..=1000, checked when parsed
    let filter = steward_audit::ListFilter {
        before_seq: p.before_seq,
        action: p.action,
        actor: p.actor,
        object_type: p.object_type,
        object_id: p.object_id,
        limit: Some(limit),
        ..Default::default()
    };
    let log = state.audit.clone();
    let entries = blocking(move || {
        log.list(&filter)
            .map_err(|e| ApiError::internal(e.to_string()))
    })
    .await?;
    let next_before_seq = (entries.len() == limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let items = entries
        .into_iter()
        .map(|e| AuditEntry {
            seq: e.seq,
            time: e.time,
            actor_kind: e.actor_kind.as_str().to_owned(),
            actor: e.actor,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            details: e.details,
            prev_hash: e.prev_hash,
            hash: e.hash,
        })
        .collect();
    Ok(Json(AuditPage {
        items,
        next_before_seq,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct VerifyReply {
    pub ok: bool,
    pub entries: u64,
    /// What is wrong and the first bad entry, when not ok.
    pub problem: Option<String>,
}

/// Re-hashes the whole chain and checks it against the anchor.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    security(("bearer" = ["audit:read"])),
    responses((status = 200, body = VerifyReply)))]
async fn verify(State(state): State<Shared>) -> ApiResult<VerifyReply> {
    let path = state.audit_path.clone();
    let report = blocking(move || {
        steward_audit::verify(&path).map_err(|e| ApiError::internal(e.to_string()))
    })
    .await?;
    Ok(Json(VerifyReply {
        ok: report.ok,
        entries: report.entries,
        problem: report
            .first_bad
            .map(|(seq, why)| format!("seq={seq}: {why}")),
    }))
}
