//! `/api/v1/incidents`: cases, their closed-loop states, SLA timers, evidence, and the
//! knowledge base's suggestions and lessons.

use super::extract::{blocking, ApiJson, ApiQuery, IdPath, RawBody};
use super::{created, ApiError, ApiResult, Shared};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use steward_access::Principal;
use steward_objects::incidents::{
    AssignInput, CommentInput, IncidentFilter, IncidentRecord, IncidentRow, LessonsInput,
    LinkAlertsInput, NewIncident, PinEventInput, TransitionInput,
};
use steward_objects::kb::ArticleRecord;
use steward_objects::Page;
use steward_secops::AlertRef;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes(upload_limit: usize) -> OpenApiRouter<Shared> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(attach_file))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(metrics))
        .routes(routes!(one))
        .routes(routes!(transition))
        .routes(routes!(assign))
        .routes(routes!(comment))
        .routes(routes!(pin_event))
        .routes(routes!(evidence_file))
        .routes(routes!(link_alerts))
        .routes(routes!(suggestions))
        .routes(routes!(lessons))
        .merge(uploads)
}

/// The alerts behind `ids`, as incident logic sees them; an unknown id is a 400.
pub fn alert_refs(state: &Shared, ids: &[i64]) -> Result<Vec<AlertRef>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let store = state.alerts.as_ref().ok_or_else(|| {
        ApiError::bad_request("detection is off on this site: there are no alerts to link")
    })?;
    ids.iter()
        .map(|&id| {
            let alert = store
                .get(id)
                .map_err(|e| ApiError::internal(e.to_string()))?
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::CONFLICT,
                        "unknown_alert",
                        format!("no alert {id}"),
                    )
                })?;
            Ok(crate::automation::alert_ref(&alert))
        })
        .collect()
}

/// Incidents, filtered, sorted and paged (list rows carry no timeline).
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    security(("bearer" = ["incidents:read"])),
    params(IncidentFilter),
    responses((status = 200, body = Page<IncidentRow>), (status = 400, body = super::error::ErrorBody)))]
async fn list(
    State(state): State<Shared>,
    ApiQuery(filter): ApiQuery<IncidentFilter>,
) -> ApiResult<Page<IncidentRow>> {
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.list_incidents(&filter).map_err(ApiError::from)).await?,
    ))
}

/// Opens an incident by hand, optionally with alerts.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents",
    security(("bearer" = ["incidents:write"])),
    request_body = NewIncident,
    responses((status = 201, body = IncidentRecord), (status = 400, body = super::error::ErrorBody),
        (status = 409, body = super::error::ErrorBody)))]
async fn create(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<NewIncident>,
) -> Result<Response, ApiError> {
    let worker = state.clone();
    let actor = who.actor();
    let incident = blocking(move || {
        let alerts = alert_refs(&worker, &input.alert_ids)?;
        worker
            .objects
            .create_incident(&input, &alerts, &worker.sla, &actor, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "incident.create",
        "incident",
        incident.incident.id,
        json!({"title": incident.incident.title}),
    );
    Ok(created(incident))
}

/// One incident with its timeline, evidence, comments and SLA due times.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    security(("bearer" = ["incidents:read"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = IncidentRecord), (status = 404, body = super::error::ErrorBody)))]
async fn one(State(state): State<Shared>, IdPath(id): IdPath) -> ApiResult<IncidentRecord> {
    let worker = state.clone();
    Ok(Json(
        blocking(move || {
            worker
                .objects
                .get_incident(id, &worker.sla)
                .map_err(ApiError::from)
        })
        .await?,
    ))
}

/// Runs one change on an incident in a blocking task, audits it, answers the incident.
async fn change(
    state: Shared,
    who: Principal,
    id: i64,
    action: &'static str,
    details: serde_json::Value,
    apply: impl FnOnce(&Shared, &str) -> Result<IncidentRecord, steward_objects::ObjectError>
        + Send
        + 'static,
) -> ApiResult<IncidentRecord> {
    let worker = state.clone();
    let actor = who.actor();
    let incident = blocking(move || apply(&worker, &actor).map_err(ApiError::from)).await?;
    state.audit(&who, action, "incident", id, details);
    Ok(Json(incident))
}

/// Moves the incident along new → triage → analysis → containment → eradication →
/// recovery → closed (or false positive / duplicate). Records who, when and why; a
/// move the state does not allow answers 409 with the allowed states.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/transition", tag = "incidents",
    security(("bearer" = ["incidents:write"])),
    params(("id" = i64, Path)),
    request_body = TransitionInput,
    responses((status = 200, body = IncidentRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
async fn transition(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<TransitionInput>,
) -> ApiResult<IncidentRecord> {
    let details = serde_json::to_value(&input).unwrap_or_default();
    change(
        state,
        who,
        id,
        "incident.transition",
        details,
        move |s, actor| {
            s.objects
                .transition_incident(id, &input, &s.sla, actor, Utc::now())
        },
    )
    .await
}

/// Sets or clears the assignee.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/assign", tag = "incidents",
    security(("bearer" = ["incidents:write"])),
    params(("id" = i64, Path)),
    request_body = AssignInput,
    responses((status = 200, body = IncidentRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody)))]
async fn assign(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<AssignInput>,
) -> ApiResult<IncidentRecord> {
    let details = serde_json::to_value(&input).unwrap_or_default();
    change(
        state,
        who,
        id,
        "incident.assign",
        details,
        move |s, actor| {
            s.objects
                .assign_incident(id, &input, &s.sla, actor, Utc::now())
        },
    )
    .await
}

/// Adds a comment to the timeline.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/comments", tag = "incidents",
    security(("bearer" = ["incidents:write"])),
    params(("id" = i64, Path)),
    request_body = CommentInput,
    responses((status = 200, body = IncidentRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody)))]
async fn comment(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<CommentInput>,
) -> ApiResult<IncidentRecord> {
    change(
        state,
        who,
        id,
        "incident.comment",
        json!({}),
        move |s, actor| {
            s.objects
                .comment_incident(id, &input, &s.sla, actor, Utc::now())
        },
    )
    .await
}

/// Pins a stored event as evidence.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence/events", tag = "incidents",
    security(("bearer" = ["incidents:write"])),
    params(("id" = i64, Path)),
    request_body = PinEventInput,
    responses((status = 200, body = IncidentRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody)))]
async fn pin_event(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<PinEventInput>,
) -> ApiResult<IncidentRecord> {
    let details = serde_json::to_value(&input).unwrap_or_default();
    change(
        state,
        who,
        id,
        "incident.evidence",
        details,
        move |s, actor| s.objects.pin_event(id, &input, &s.sla, actor, Utc::now()),
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileParams {
    /// The file's name as shown in the incident.
    #[param(
        min_length = 1,
        max_length = 255,
        pattern = "^(?=.*\\S)[^/\\\\\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pub name: String,
}

/// Uploads an evidence file (the request body); it is kept by its SHA-256.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence/files", tag = "incidents",
    security(("bearer" = ["incidents:write"])),
    params(("id" = i64, Path), FileParams),
    request_body(content = String, content_type = "application/octet-stream"),
    responses((status = 200, body = IncidentRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 413, body = super::error::ErrorBody)))]
async fn attach_file(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiQuery(p): ApiQuery<FileParams>,
    RawBody(body): RawBody,
) -> ApiResult<IncidentRecord> {
    if body.len() > state.max_upload_bytes {
        return Err(ApiError::too_large(format!(
            "the file is {} bytes; the limit is {} ([api] max_upload_bytes)",
            body.len(),
            state.max_upload_bytes
        )));
    }
    let details = json!({"name": p.name, "size": body.len()});
    change(
        state,
        who,
        id,
        "incident.evidence",
        details,
        move |s, actor| {
            s.objects
                .attach_file(id, &p.name, &body, &s.sla, actor, Utc::now())
        },
    )
    .await
}

/// Downloads an evidence file the incident pinned.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/evidence/files/{sha256}", tag = "incidents",
    security(("bearer" = ["incidents:read"])),
    params(("id" = i64, Path), ("sha256" = String, Path, pattern = "^[0-9a-fA-F]{64}$")),
    responses((status = 200, content_type = "application/octet-stream", body = String),
        (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
async fn evidence_file(
    State(state): State<Shared>,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request(format!("{id:?} is not a numeric id")))?;
    let objects = state.objects.clone();
    let (name, bytes) =
        blocking(move || objects.evidence_file(id, &sha256).map_err(ApiError::from)).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(|c: char| c == '"' || c.is_control(), "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// Links alerts to the incident by hand.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/alerts", tag = "incidents",
    security(("bearer" = ["incidents:write"])),
    params(("id" = i64, Path)),
    request_body = LinkAlertsInput,
    responses((status = 200, body = IncidentRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
async fn link_alerts(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<LinkAlertsInput>,
) -> ApiResult<IncidentRecord> {
    let details = json!({"alert_ids": input.alert_ids});
    let worker = state.clone();
    let ids = input.alert_ids.clone();
    let alerts = blocking(move || alert_refs(&worker, &ids)).await?;
    change(
        state,
        who,
        id,
        "incident.link_alerts",
        details,
        move |s, actor| {
            s.objects
                .link_alerts(id, &alerts, &s.sla, actor, Utc::now())
        },
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParams {
    /// zh or en (default zh).
    #[param(schema_with = steward_objects::schema::lang)]
    pub lang: Option<String>,
}

/// Knowledge-base response plans suggested for the incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/suggestions", tag = "incidents",
    security(("bearer" = ["incidents:read"])),
    params(("id" = i64, Path), LangParams),
    responses((status = 200, body = Vec<ArticleRecord>), (status = 404, body = super::error::ErrorBody)))]
async fn suggestions(
    State(state): State<Shared>,
    IdPath(id): IdPath,
    ApiQuery(p): ApiQuery<LangParams>,
) -> ApiResult<Vec<ArticleRecord>> {
    let lang = match p.lang.as_deref() {
        None | Some("zh") => "zh",
        Some("en") => "en",
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "lang {other:?}: use zh or en"
            )))
        }
    };
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.suggest_articles(id, lang).map_err(ApiError::from)).await?,
    ))
}

/// Turns a closed incident's lessons into a knowledge-base article (409 while open).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/lessons", tag = "incidents",
    security(("bearer" = ["kb:write"])),
    params(("id" = i64, Path)),
    request_body = LessonsInput,
    responses((status = 201, body = ArticleRecord), (status = 400, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
async fn lessons(
    State(state): State<Shared>,
    Extension(who): Extension<Principal>,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<LessonsInput>,
) -> Result<Response, ApiError> {
    let objects = state.objects.clone();
    let actor = who.actor();
    let article = blocking(move || {
        objects
            .lessons_to_article(id, &input, &actor, Utc::now())
            .map_err(ApiError::from)
    })
    .await?;
    state.audit(
        &who,
        "kb.lessons",
        "kb_article",
        article.id,
        json!({"incident_id": id}),
    );
    Ok(created(article))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsParams {
    /// Start of the period (created at or after); default 30 days ago.
    pub from: Option<DateTime<Utc>>,
    /// End of the period (created before); default now.
    pub to: Option<DateTime<Utc>>,
}

/// MTTA and MTTR of the incidents created in a period, with SLA breach counts.
#[utoipa::path(get, path = "/api/v1/incidents/metrics", tag = "incidents",
    security(("bearer" = ["incidents:read"])),
    params(MetricsParams),
    responses((status = 200, body = steward_secops::Metrics), (status = 400, body = super::error::ErrorBody)))]
async fn metrics(
    State(state): State<Shared>,
    ApiQuery(p): ApiQuery<MetricsParams>,
) -> ApiResult<steward_secops::Metrics> {
    let to = p.to.unwrap_or_else(Utc::now);
    let from = p.from.unwrap_or(to - chrono::Duration::days(30));
    if from >= to {
        return Err(ApiError::bad_request("`from` must be before `to`"));
    }
    let objects = state.objects.clone();
    Ok(Json(
        blocking(move || objects.incident_metrics(from, to).map_err(ApiError::from)).await?,
    ))
}
