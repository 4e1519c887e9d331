//! Splunk HTTP Event Collector compatibility, so Vector, Fluent Bit, Logstash and the
//! OpenTelemetry collector can ship to a site with their stock Splunk outputs.
//!
//! A request is validated whole before anything is stored: a bad event rejects the
//! request (with its index, as Splunk reports it) and stores nothing.

use super::ingest::{body_bytes, records, BodyKind};
use super::{ApiError, Shared};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use chrono::DateTime;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use steward_ingest::Source;
use steward_model::{ecs, Event};
use utoipa_axum::router::OpenApiRouter;

/// Splunk HEC's paths. They follow Splunk's own API, not this one, so they stay out of
/// the OpenAPI document; their permission is declared in [`super::authz::UNDOCUMENTED`].
pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .route("/services/collector", post(event))
        .route("/services/collector/event", post(event))
        .route("/services/collector/event/1.0", post(event))
        .route("/services/collector/raw", post(raw))
        .route("/services/collector/raw/1.0", post(raw))
}

fn hec_error(status: StatusCode, code: u32, text: &str, index: Option<usize>) -> Response {
    let mut body = json!({"text": text, "code": code});
    if let Some(i) = index {
        body["invalid-event-number"] = i.into();
    }
    (status, Json(body)).into_response()
}

fn success() -> Response {
    Json(json!({"text": "Success", "code": 0})).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct RawParams {
    pub host: Option<String>,
    pub source: Option<String>,
    pub sourcetype: Option<String>,
    pub index: Option<String>,
}

/// Splunk's metadata, applied to an event after parsing.
fn apply_metadata(
    event: &mut Event,
    meta: &RawParams,
    time: Option<&Value>,
    fields: Option<&Value>,
) {
    if let Some(host) = meta.host.as_deref() {
        event.set_if_absent(ecs::HOST_NAME, host);
    }
    if let Some(source) = meta.source.as_deref() {
        event.set("steward.source", source);
    }
    if let Some(st) = meta.sourcetype.as_deref() {
        event.set("steward.hec.sourcetype", st);
    }
    if let Some(index) = meta.index.as_deref() {
        event.set("steward.hec.index", index);
    }
    if let Some(t) = time.and_then(hec_time) {
        event.set_timestamp(ecs::TIMESTAMP, t);
    }
    if let Some(Value::Object(fields)) = fields {
        for (k, v) in fields {
            let value = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            event.set(&format!("labels.{k}"), value);
        }
    }
}

/// HEC `time`: epoch seconds with an optional fraction, as a number or a string.
fn hec_time(v: &Value) -> Option<DateTime<chrono::Utc>> {
    let secs = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if !secs.is_finite() {
        return None;
    }
    DateTime::from_timestamp_micros((secs * 1e6) as i64)
}

pub async fn event(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body_bytes(body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let mut items = Vec::new();
    for (i, item) in serde_json::Deserializer::from_slice(&body)
        .into_iter::<Value>()
        .enumerate()
    {
        match item {
            Ok(Value::Object(obj)) => items.push(obj),
            Ok(_) | Err(_) => {
                return hec_error(StatusCode::BAD_REQUEST, 6, "Invalid data format", Some(i))
            }
        }
    }
    if items.is_empty() {
        return hec_error(StatusCode::BAD_REQUEST, 5, "No data", None);
    }
    let listener = state.pipeline.stats().listener("hec");
    let mut events = Vec::with_capacity(items.len());
    for (i, obj) in items.iter().enumerate() {
        let (raw, parser) = match obj.get("event") {
            None | Some(Value::Null) => {
                return hec_error(
                    StatusCode::BAD_REQUEST,
                    12,
                    "Event field is required",
                    Some(i),
                )
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                return hec_error(
                    StatusCode::BAD_REQUEST,
                    13,
                    "Event field cannot be blank",
                    Some(i),
                )
            }
            Some(Value::String(s)) => (s.clone().into_bytes(), None),
            Some(other) => (other.to_string().into_bytes(), Some("json")),
        };
        let truncated = raw.len() > state.max_record_bytes;
        let raw = &raw[..raw.len().min(state.max_record_bytes)];
        let source = Source {
            listener: "hec",
            peer: Some(peer),
            parser,
        };
        listener
            .received
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut event = state.pipeline.normalize(&source, raw, truncated);
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let meta = RawParams {
            host: text("host"),
            source: text("source"),
            sourcetype: text("sourcetype"),
            index: text("index"),
        };
        apply_metadata(&mut event, &meta, obj.get("time"), obj.get("fields"));
        events.push(event);
    }
    listener
        .bytes
        .fetch_add(body.len() as u64, std::sync::atomic::Ordering::Relaxed);
    store(&state, events).await
}

pub async fn raw(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<RawParams>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body_bytes(body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let source = Source {
        listener: "hec",
        peer: Some(peer),
        parser: None,
    };
    let mut events = records(&state, &source, &body, BodyKind::Lines);
    if events.is_empty() {
        return hec_error(StatusCode::BAD_REQUEST, 5, "No data", None);
    }
    for e in &mut events {
        apply_metadata(e, &params, None, None);
    }
    store(&state, events).await
}

async fn store(state: &Shared, events: Vec<Event>) -> Response {
    let queue = state.pipeline.queue();
    match queue.append(state.pipeline.prepare(events)).await {
        Ok(_) => success(),
        Err(e) => ApiError::unavailable(format!("the batch was not stored: {e}")).into_response(),
    }
}
