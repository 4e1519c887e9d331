//! `GET /api/v1/alerts` (newest first, filtered, paged by id) and `/api/v1/alerts/{id}`.

use super::extract::ApiQuery;
use super::{ApiError, Shared};
use crate::timeparam::parse_time;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use steward_model::{DetectionSource, Level};
use steward_store::{AlertFilter, AlertStore};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Lowest level: informational, low, medium, high, critical.
    #[param(schema_with = level_schema)]
    pub level: Option<String>,
    pub rule_id: Option<String>,
    /// sigma, correlation, indicator, behaviour.
    #[param(schema_with = source_schema)]
    pub source: Option<String>,
    pub status: Option<String>,
    /// An IP, user, host, process, file, domain, URL or hash the alert is about.
    pub entity: Option<String>,
    /// Last seen at or after.
    pub from: Option<String>,
    /// Last seen before.
    pub to: Option<String>,
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn level_schema() -> utoipa::openapi::Object {
    steward_objects::schema::one_of(Level::ALL.map(Level::as_str))
}

fn source_schema() -> utoipa::openapi::Object {
    steward_objects::schema::one_of(DetectionSource::ALL.map(DetectionSource::as_str))
}

/// `a, b or c` for an error message.
fn either(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn store(state: &Shared) -> Result<Arc<AlertStore>, ApiError> {
    state.alerts.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "detection_disabled",
            "detection is off on this site ([detect] enabled = false)",
        )
    })
}

fn filter(p: &Params) -> Result<AlertFilter, ApiError> {
    let now = Utc::now();
    let min_level = match &p.level {
        Some(l) => Some(Level::parse(l).ok_or_else(|| {
            ApiError::bad_request(format!(
                "level {l:?}: use {}",
                either(&Level::ALL.map(Level::as_str))
            ))
        })?),
        None => None,
    };
    let source = match p.source.as_deref() {
        None => None,
        Some(s) => Some(DetectionSource::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "source {s:?}: use {}",
                either(&DetectionSource::ALL.map(DetectionSource::as_str))
            ))
        })?),
    };
    let time = |s: &Option<String>| -> Result<_, ApiError> {
        s.as_deref()
            .map(|s| parse_time(s, now).map_err(ApiError::bad_request))
            .transpose()
    };
    let before_id = match &p.cursor {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ApiError::bad_request("cursor is not one this API returned"))?,
        ),
        None => None,
    };
    Ok(AlertFilter {
        min_level,
        rule_id: p.rule_id.clone(),
        source,
        status: p.status.clone(),
        entity: p.entity.clone(),
        from: time(&p.from)?,
        to: time(&p.to)?,
        before_id,
        limit: p.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    })
}

/// Alerts, newest first, filtered; page with `cursor`.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts",
    security(("bearer" = ["alerts:read"])),
    params(Params),
    responses((status = 200, body = Object), (status = 400, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<Shared>,
    ApiQuery(params): ApiQuery<Params>,
) -> Result<Json<Value>, ApiError> {
    let store = store(&state)?;
    let f = filter(&params)?;
    let limit = f.limit;
    let alerts = tokio::task::spawn_blocking(move || store.list(&f))
        .await
        .map_err(|_| ApiError::unavailable("the alert query stopped"))?
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let next = (alerts.len() == limit)
        .then(|| alerts.last().map(|a| a.id.to_string()))
        .flatten();
    Ok(Json(json!({ "alerts": alerts, "next_cursor": next })))
}

/// One alert with its entities and matched event ids.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts",
    security(("bearer" = ["alerts:read"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn one(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = store(&state)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("an alert id is a number"))?;
    let alert = tokio::task::spawn_blocking(move || store.get(id))
        .await
        .map_err(|_| ApiError::unavailable("the alert query stopped"))?
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    match alert {
        Some(a) => Ok(Json(json!(a))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no alert {id}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn either_lists_the_choices() {
        assert_eq!(super::either(&["a", "b", "c"]), "a, b or c");
        assert_eq!(super::either(&["a"]), "a");
        assert_eq!(super::either(&[]), "");
    }
}
