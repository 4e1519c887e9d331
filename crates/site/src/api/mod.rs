//! The site's HTTP interface: the router, the OpenAPI document generated from the
//! handlers, authentication and authorisation, and the one error shape.

mod alerts;
mod assets;
mod audit;
mod authz;
mod error;
mod extract;
mod hec;
mod incidents;
mod ingest;
mod kb;
mod openapi;
mod search;
mod session;
mod users;
mod vulns;

pub use authz::{Requirement, RouteTable, PUBLIC_OPERATIONS, SESSION_COOKIE};
pub use error::ApiError;

use crate::metrics;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;
use steward_access::{Access, Principal};
use steward_audit::{ActorKind, AuditLog, NewEntry};
use steward_ingest::Pipeline;
use steward_objects::ObjectStore;
use steward_store::{EventStore, WriterStats};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// What every handler can reach.
pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub store: Arc<dyn EventStore>,
    pub access: Arc<Access>,
    pub objects: Arc<ObjectStore>,
    pub audit: Arc<AuditLog>,
    pub audit_path: std::path::PathBuf,
    pub writer_stats: Arc<WriterStats>,
    /// Longer records are cut and tagged `steward.truncated`.
    pub max_record_bytes: usize,
    /// Scanner reports and evidence files may be this large (413 above).
    pub max_upload_bytes: usize,
    /// `None` when detection is off (`[detect] enabled = false`).
    pub alerts: Option<Arc<steward_store::AlertStore>>,
    pub detect_stats: Option<Arc<crate::detection::DetectStats>>,
    pub sla: steward_secops::SlaPolicy,
    pub vuln_policy: steward_objects::vulns::VulnPolicy,
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// Appends a person's or token's change to the audit chain. A change that cannot be
    /// audited is still made (it is already committed); the failure is logged loudly.
    pub fn audit(
        &self,
        who: &Principal,
        action: &str,
        object_type: &str,
        object_id: impl ToString,
        details: serde_json::Value,
    ) {
        let kind = match who.credential {
            steward_access::Credential::Token { .. } => ActorKind::Token,
            steward_access::Credential::Session { .. } => ActorKind::User,
        };
        let entry = NewEntry::new(kind, who.actor(), action)
            .object(object_type, object_id.to_string())
            .details(details);
        if let Err(e) = self.audit.append(entry) {
            tracing::error!(error = %e, action, "audit append failed");
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Steward site API",
        description = "Events, alerts, incidents, assets, vulnerabilities, knowledge base, users and audit of one Steward site. \
Every operation needs `Authorization: Bearer <token>` (an API token or a console session from `/api/v1/auth/login`) \
unless marked otherwise; the permission it needs is named in its security requirement. \
Errors answer `{\"error\":{\"code\":\"...\",\"message\":\"...\"}}`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    modifiers(&BearerScheme),
    components(schemas(
        steward_objects::SortOrder,
        steward_objects::assets::AssetSort,
        steward_objects::vulns::VulnSort,
        steward_objects::incidents::IncidentSort,
        steward_objects::kb::ArticleSort,
        error::ErrorBody,
    )),
    tags(
        (name = "events", description = "Ingest and search"),
        (name = "alerts", description = "Detections"),
        (name = "incidents", description = "Cases with SLA timers"),
        (name = "assets", description = "Inventory and shadow assets"),
        (name = "vulnerabilities", description = "Scanner findings and their lifecycle"),
        (name = "kb", description = "Knowledge base"),
        (name = "access", description = "Users, sessions and API tokens"),
        (name = "audit", description = "The tamper-evident audit log"),
    )
)]
struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every documented route, with its handler and its OpenAPI description.
fn documented(upload_limit: usize) -> OpenApiRouter<Shared> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(ingest::routes())
        .merge(search::routes())
        .merge(hec::routes())
        .merge(alerts::routes())
        .merge(incidents::routes(upload_limit))
        .merge(assets::routes())
        .merge(vulns::routes(upload_limit))
        .merge(kb::routes())
        .merge(users::routes())
        .merge(session::routes())
        .merge(audit::routes())
}

/// The OpenAPI document the site serves at `/api/v1/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    let (_, mut doc) = documented(0).split_for_parts();
    openapi::complete(&mut doc);
    serde_json::to_value(&doc).unwrap_or_else(|e| json!({"error": e.to_string()}))
}

pub fn router(state: Shared, max_body_bytes: usize) -> anyhow::Result<Router> {
    let (api, mut doc) = documented(state.max_upload_bytes).split_for_parts();
    openapi::complete(&mut doc);
    let doc = serde_json::to_value(&doc)?;
    let table = Arc::new(RouteTable::from_openapi(&doc).map_err(anyhow::Error::msg)?);
    let doc_text: Arc<str> = serde_json::to_string(&doc)?.into();
    let api = api.route_layer(middleware::from_fn_with_state(
        (state.clone(), table),
        authz::authorize,
    ));
    // Deliberately public: liveness for orchestrators, scraping for Prometheus, and the
    // API's own description.
    let public = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route(
            "/api/v1/openapi.json",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    doc_text.to_string(),
                )
            }),
        );
    Ok(api
        .merge(public)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

/// `Json` of `T` or the error answer, for handlers that compute in a blocking task.
pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// 201 with the created object.
pub fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/openapi.json is the reference users read; it must be what the code serves.
    #[test]
    fn the_committed_document_is_the_generated_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        let committed: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(
            committed == openapi_document(),
            "docs/openapi.json is stale: run `steward openapi > docs/openapi.json`"
        );
    }

    #[test]
    fn every_operation_declares_one_known_permission() {
        let table = RouteTable::from_openapi(&openapi_document()).unwrap();
        let public: Vec<_> = table
            .iter()
            .filter(|(_, _, r)| *r == Requirement::Public)
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect();
        assert_eq!(public, ["post /api/v1/auth/login"]);
        assert!(table.iter().count() >= 45);
    }

    #[test]
    fn an_operation_without_a_permission_is_refused_at_start() {
        let doc = serde_json::json!({"paths": {"/api/v1/x": {"get": {"responses": {}}}}});
        let err = RouteTable::from_openapi(&doc).unwrap_err();
        assert!(err.contains("declares no permission"), "{err}");
        let doc = serde_json::json!({"paths": {"/api/v1/x": {"get": {
            "security": [{"bearer": ["events:delete"]}]}}}});
        assert!(RouteTable::from_openapi(&doc)
            .unwrap_err()
            .contains("unknown permission"));
    }
}
