//! `GET /api/v1/events`, `/events/histogram`, `/events/top`.

use super::extract::ApiQuery;
use super::{ApiError, Shared};
use crate::timeparam::{parse_span, parse_time};
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(events))
        .routes(routes!(histogram))
        .routes(routes!(top))
}
use serde_json::{json, Value};
use std::time::Instant;
use steward_store::{Cursor, HistogramRequest, SearchRequest, StoreError, TimeRange, TopRequest};

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;
const DEFAULT_TRACK_TOTAL: u64 = 10_000;

/// Query parameters of the three search routes (one struct: serde's `flatten` cannot
/// read numbers out of a query string).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Params {
    /// The search query (Lucene-like; see docs/search.md).
    #[serde(default)]
    pub q: String,
    /// Start of the time range (inclusive); default: 24 hours before `to`.
    pub from: Option<String>,
    /// End of the time range (exclusive); default: now.
    pub to: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// Count matches exactly up to this many (default 10000).
    #[serde(default, deserialize_with = "track_total_param")]
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub track_total: Option<u64>,
    /// Histogram bucket width like `1m`, `1h`, `1d`; default: about 60 buckets.
    pub interval: Option<String>,
    /// Field of the top-values route.
    pub field: Option<String>,
}

fn track_total_param<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    steward_objects::query_in_range(d, "track_total", 0, steward_objects::MAX_OFFSET)
}

fn parse_common(c: &Params) -> Result<(steward_query::Query, TimeRange), ApiError> {
    let query = steward_query::parse(&c.q).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "bad_query",
            e.to_string(),
        )
        .with_position(e.position)
    })?;
    let now = Utc::now();
    let to = match &c.to {
        Some(s) => parse_time(s, now).map_err(ApiError::bad_request)?,
        None => now,
    };
    let from = match &c.from {
        Some(s) => parse_time(s, now).map_err(ApiError::bad_request)?,
        None => to - Duration::hours(24),
    };
    if from >= to {
        return Err(ApiError::bad_request("`from` must be before `to`"));
    }
    Ok((query, TimeRange { from, to }))
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::BadCursor(_) | StoreError::BadRequest(_) => {
            ApiError::bad_request(e.to_string())
        }
        other => {
            tracing::error!(error = %other, "search failed");
            ApiError::unavailable(format!("the event store could not answer: {other}"))
        }
    }
}

/// Runs blocking store work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::unavailable(format!("search task failed: {e}")))?
        .map_err(store_error)
}

/// Searches stored events, newest first.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    security(("bearer" = ["events:read"])),
    params(Params),
    responses((status = 200, body = Object), (status = 400, body = super::error::ErrorBody)))]
pub async fn events(
    State(state): State<Shared>,
    ApiQuery(p): ApiQuery<Params>,
) -> Result<Json<Value>, ApiError> {
    let started = Instant::now();
    let (query, range) = parse_common(&p)?;
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be at most {MAX_LIMIT}"
        )));
    }
    let cursor = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(Cursor::decode(c).map_err(store_error)?),
        None => None,
    };
    let request = SearchRequest {
        query,
        range,
        limit,
        cursor,
        count_limit: p.track_total.unwrap_or(DEFAULT_TRACK_TOTAL),
    };
    let store = state.store.clone();
    let result = blocking(move || store.search(&request)).await?;
    let events: Vec<Value> = result
        .events
        .into_iter()
        .map(|e| {
            let mut doc = e.event.into_object();
            doc.insert("_id".into(), Value::String(e.id));
            Value::Object(doc)
        })
        .collect();
    Ok(Json(json!({
        "total": result.total,
        "total_exact": result.total_exact,
        "events": events,
        "next_cursor": result.next_cursor.map(|c| c.encode()),
        "took_ms": started.elapsed().as_millis() as u64,
    })))
}

/// About 60 buckets over the range, rounded to a familiar width.
fn auto_interval(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    const STEPS: [i64; 12] = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 43200, 86400];
    let span = (to - from).num_seconds().max(1);
    let want = span / 60;
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= want)
        .unwrap_or(86_400 * ((want / 86_400) + 1))
}

/// Counts of matching events per time bucket.
#[utoipa::path(get, path = "/api/v1/events/histogram", tag = "events",
    security(("bearer" = ["events:read"])),
    params(Params),
    responses((status = 200, body = Object), (status = 400, body = super::error::ErrorBody)))]
pub async fn histogram(
    State(state): State<Shared>,
    ApiQuery(p): ApiQuery<Params>,
) -> Result<Json<Value>, ApiError> {
    let (query, range) = parse_common(&p)?;
    let interval_secs = match p.interval.as_deref() {
        Some(s) => parse_span(s).map_err(ApiError::bad_request)?.num_seconds(),
        None => auto_interval(range.from, range.to),
    };
    if interval_secs <= 0 {
        return Err(ApiError::bad_request("interval must be at least 1s"));
    }
    let span = (range.to - range.from).num_seconds();
    if span / interval_secs > 10_000 {
        return Err(ApiError::bad_request(
            "interval too small for the range (over 10000 buckets)",
        ));
    }
    let request = HistogramRequest {
        query,
        range,
        interval_secs,
    };
    let store = state.store.clone();
    let buckets = blocking(move || store.histogram(&request)).await?;
    Ok(Json(json!({
        "interval_secs": interval_secs,
        "buckets": buckets,
    })))
}

/// The most frequent values of `field` among matching events.
#[utoipa::path(get, path = "/api/v1/events/top", tag = "events",
    security(("bearer" = ["events:read"])),
    params(Params),
    responses((status = 200, body = Object), (status = 400, body = super::error::ErrorBody)))]
pub async fn top(
    State(state): State<Shared>,
    ApiQuery(p): ApiQuery<Params>,
) -> Result<Json<Value>, ApiError> {
    let (query, range) = parse_common(&p)?;
    let field = p
        .field
        .filter(|f| !f.is_empty())
        .ok_or_else(|| ApiError::bad_request("field is required, e.g. field=source.ip"))?;
    let limit = p.limit.unwrap_or(10).clamp(1, 1000);
    let request = TopRequest {
        query,
        range,
        field: field.clone(),
        limit,
    };
    let store = state.store.clone();
    let values = blocking(move || store.top(&request)).await?;
    Ok(Json(json!({ "field": field, "values": values })))
}
