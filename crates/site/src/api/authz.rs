//! Who is calling and whether their role may call this route.
//!
//! Each operation declares its permission once, in its `#[utoipa::path(security(...))]`
//! annotation; the table below is read from the generated OpenAPI document, so the
//! document and the enforcement cannot disagree. An operation without a declared
//! permission is refused unless it is listed in [`PUBLIC_OPERATIONS`]: forgetting the
//! annotation closes a route, never opens it.

use super::{ApiError, Shared};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use steward_access::Permission;

/// Operations anyone may call: signing in cannot require being signed in.
pub const PUBLIC_OPERATIONS: &[(&str, &str)] = &[("post", "/api/v1/auth/login")];

/// The cookie a console session travels in (the same secret works as a Bearer token).
pub const SESSION_COOKIE: &str = "steward_session";

/// Routes outside the OpenAPI document (Splunk HEC compatibility) and what they need.
pub const UNDOCUMENTED: &[(&str, &str, Permission)] = &[
    ("post", "/services/collector", Permission::EventsWrite),
    ("post", "/services/collector/event", Permission::EventsWrite),
    (
        "post",
        "/services/collector/event/1.0",
        Permission::EventsWrite,
    ),
    ("post", "/services/collector/raw", Permission::EventsWrite),
    (
        "post",
        "/services/collector/raw/1.0",
        Permission::EventsWrite,
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    Public,
    Needs(Permission),
}

#[derive(Debug, Default)]
pub struct RouteTable {
    by_route: HashMap<(String, String), Requirement>,
}

impl RouteTable {
    /// Reads every operation's requirement from the OpenAPI document (as JSON).
    pub fn from_openapi(doc: &Value) -> Result<Self, String> {
        let mut by_route: HashMap<_, _> = UNDOCUMENTED
            .iter()
            .map(|(m, p, perm)| ((m.to_string(), p.to_string()), Requirement::Needs(*perm)))
            .collect();
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("the OpenAPI document has no paths")?;
        for (path, item) in paths {
            let Some(ops) = item.as_object() else {
                continue;
            };
            for (method, op) in ops {
                if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                    continue;
                }
                let requirement = requirement_of(method, path, op)?;
                by_route.insert((method.clone(), path.clone()), requirement);
            }
        }
        Ok(Self { by_route })
    }

    /// HEAD is answered by the GET handler, so it needs what GET needs.
    pub fn requirement(&self, method: &Method, path: &str) -> Option<Requirement> {
        let method = if method == Method::HEAD {
            "get".to_owned()
        } else {
            method.as_str().to_ascii_lowercase()
        };
        self.by_route.get(&(method, path.to_owned())).copied()
    }

    /// The methods `path` answers, upper case and sorted, for a 405's `Allow` header.
    pub fn allowed_methods(&self, path: &str) -> Vec<String> {
        let mut methods: Vec<String> = self
            .by_route
            .keys()
            .filter(|(_, p)| p == path)
            .map(|(m, _)| m.to_ascii_uppercase())
            .collect();
        methods.sort_unstable();
        methods
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, Requirement)> {
        self.by_route
            .iter()
            .map(|((m, p), r)| (m.as_str(), p.as_str(), *r))
    }
}

fn requirement_of(method: &str, path: &str, op: &Value) -> Result<Requirement, String> {
    if PUBLIC_OPERATIONS.contains(&(method, path)) {
        return Ok(Requirement::Public);
    }
    let scopes: Vec<&str> = op
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|req| req.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match scopes.as_slice() {
        [one] => Permission::parse(one)
            .map(Requirement::Needs)
            .ok_or_else(|| format!("{method} {path}: unknown permission {one:?}")),
        [] => Err(format!("{method} {path} declares no permission")),
        _ => Err(format!("{method} {path} declares several permissions")),
    }
}

/// The secret from `Authorization: Bearer <t>` (or `Splunk <t>`, as HEC clients send
/// it), else from the session cookie.
pub(super) fn presented_secret(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?.trim();
        let (scheme, token) = value.split_once(' ')?;
        return (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("splunk"))
            .then(|| token.trim());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
}

pub async fn authorize(
    State((state, table)): State<(Shared, Arc<RouteTable>)>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(path) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
    else {
        return ApiError::not_found("no such route").into_response();
    };
    let needed = match table.requirement(request.method(), &path) {
        Some(Requirement::Public) => return next.run(request).await,
        Some(Requirement::Needs(p)) => p,
        // A method the document does not list for this path: 405, as HTTP asks, and
        // never the handler (a routed method without a declared permission stays shut).
        None => return method_not_allowed(request.method(), &table.allowed_methods(&path)),
    };
    let Some(secret) = presented_secret(request.headers()) else {
        return ApiError::unauthorized("missing Authorization: Bearer <token>").into_response();
    };
    let Some(principal) = state.access.authenticate(secret, chrono::Utc::now()) else {
        return ApiError::unauthorized("the token or session is not valid").into_response();
    };
    if !principal.can(needed) {
        return ApiError::forbidden(format!(
            "role {} may not {}",
            principal.role.as_str(),
            needed.as_str()
        ))
        .into_response();
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

fn method_not_allowed(method: &Method, allowed: &[String]) -> Response {
    let list = allowed.join(", ");
    let mut response = ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed here; allowed: {list}"),
    )
    .into_response();
    if let Ok(value) = header::HeaderValue::from_str(&list) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn head_needs_what_get_needs_and_unlisted_methods_are_named() {
        let doc = serde_json::json!({"paths": {"/api/v1/things": {
            "get": {"security": [{"bearer": ["assets:read"]}]},
            "post": {"security": [{"bearer": ["assets:write"]}]},
        }}});
        let table = RouteTable::from_openapi(&doc).unwrap();
        assert_eq!(
            table.requirement(&Method::HEAD, "/api/v1/things"),
            Some(Requirement::Needs(Permission::AssetsRead))
        );
        assert_eq!(table.requirement(&Method::TRACE, "/api/v1/things"), None);
        assert_eq!(table.allowed_methods("/api/v1/things"), ["GET", "POST"]);
        let response = method_not_allowed(&Method::TRACE, &table.allowed_methods("/api/v1/things"));
        assert_eq!(
            response.status(),
            axum::http::StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(response.headers()[header::ALLOW], "GET, POST");
    }

    #[test]
    fn secrets_come_from_bearer_splunk_or_the_session_cookie() {
        let mut h = HeaderMap::new();
        assert_eq!(presented_secret(&h), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; steward_session=sts_x; b=2"),
        );
        assert_eq!(presented_secret(&h), Some("sts_x"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer stw_y"),
        );
        assert_eq!(
            presented_secret(&h),
            Some("stw_y"),
            "the header wins over the cookie"
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Splunk stw_z"),
        );
        assert_eq!(presented_secret(&h), Some("stw_z"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(
            presented_secret(&h),
            None,
            "an unknown scheme is no credential"
        );
    }
}
