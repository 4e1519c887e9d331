//! `POST /api/v1/ingest`: a batch of records, acknowledged only once durably stored.

use super::{ApiError, Shared};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use steward_ingest::Source;
use steward_model::{ecs, Event};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new().routes(routes!(ingest))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IngestParams {
    /// Parser for every record of the batch; default: the device profile's (auto).
    pub parser: Option<String>,
    /// Free label of the sending system, kept as `steward.source`.
    pub source: Option<String>,
}

/// `accepted`: stored and parsed; `failed`: stored but not understood by the parser
/// (kept with `error.message`). Every record of an acknowledged batch is stored.
#[derive(Debug, Serialize, PartialEq, Eq, ToSchema)]
pub struct IngestReply {
    pub accepted: usize,
    pub failed: usize,
}

/// How a body is cut into records.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyKind {
    Lines,
    JsonLines,
}

pub(super) fn body_kind(headers: &HeaderMap) -> Result<BodyKind, ApiError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/plain");
    let essence = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "" | "text/plain" | "application/octet-stream" => Ok(BodyKind::Lines),
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/json" => Ok(BodyKind::JsonLines),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("{other}: send text/plain (one record per line) or application/x-ndjson"),
        )),
    }
}

pub(super) fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        let status = rejection.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_body"
        };
        ApiError::new(status, code, rejection.body_text())
    })
}

pub(super) fn check_parser(state: &Shared, parser: Option<&str>) -> Result<(), ApiError> {
    match parser {
        Some(name)
            if name != "auto" && state.pipeline.normalizer().registry().get(name).is_none() =>
        {
            Err(ApiError::bad_request(format!(
                "unknown parser {name:?}; known: auto, {}",
                state.pipeline.normalizer().registry().names().join(", ")
            )))
        }
        _ => Ok(()),
    }
}

/// Normalises every non-blank line of `body`.
pub(super) fn records(
    state: &Shared,
    source: &Source<'_>,
    body: &[u8],
    kind: BodyKind,
) -> Vec<Event> {
    let max_record = state.max_record_bytes;
    let json_source;
    let source = match (kind, source.parser) {
        (BodyKind::JsonLines, None) => {
            json_source = Source {
                parser: Some("json"),
                ..*source
            };
            &json_source
        }
        _ => source,
    };
    let listener = state.pipeline.stats().listener(source.listener);
    let mut events = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let truncated = line.len() > max_record;
        let line = &line[..line.len().min(max_record)];
        listener
            .received
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        events.push(state.pipeline.normalize(source, line, truncated));
    }
    listener
        .bytes
        .fetch_add(body.len() as u64, std::sync::atomic::Ordering::Relaxed);
    events
}

pub(super) fn reply_for(events: &[Event]) -> IngestReply {
    let failed = events
        .iter()
        .filter(|e| e.get(ecs::ERROR_MESSAGE).is_some())
        .count();
    IngestReply {
        accepted: events.len() - failed,
        failed,
    }
}

/// Ingests a batch: NDJSON, a JSON array, or plain text with one record per line. The
/// answer comes once every record is durably stored.
#[utoipa::path(post, path = "/api/v1/ingest", tag = "events",
    security(("bearer" = ["events:write"])),
    params(IngestParams),
    request_body(content = String, content_type = "text/plain",
        description = "One record per line; NDJSON and a JSON array are read as JSON events"),
    responses((status = 200, body = IngestReply), (status = 400, body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody), (status = 503, body = super::error::ErrorBody)))]
pub async fn ingest(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<IngestParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<IngestReply>, ApiError> {
    let body = body_bytes(body)?;
    let kind = body_kind(&headers)?;
    check_parser(&state, params.parser.as_deref())?;
    let worker = state.clone();
    let parse = move || {
        let source = Source {
            listener: "http",
            peer: Some(peer),
            parser: params.parser.as_deref(),
        };
        let mut events = records(&worker, &source, &body, kind);
        if let Some(label) = params.source.as_deref().filter(|s| !s.is_empty()) {
            for e in &mut events {
                e.set("steward.source", label);
            }
        }
        let reply = reply_for(&events);
        (reply, worker.pipeline.prepare(events))
    };
    // Parsing and row preparation are CPU work: keep them off the threads that serve
    // sockets.
    let (reply, batch) = tokio::task::spawn_blocking(parse)
        .await
        .map_err(|e| ApiError::unavailable(format!("parsing the batch failed: {e}")))?;
    if !batch.is_empty() {
        state
            .pipeline
            .queue()
            .append(batch)
            .await
            .map_err(|e| ApiError::unavailable(format!("the batch was not stored: {e}")))?;
    }
    Ok(Json(reply))
}
