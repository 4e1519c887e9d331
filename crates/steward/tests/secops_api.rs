//! The SecOps API through the real binary: the permission matrix route by route (every
//! operation of the OpenAPI document, every role, and no token), and the closed loop
//! (events → shadow assets and asset ids, alerts → incident, state changes with 409,
//! scanner upload with its errors, sign-in, audit).

mod common;

use common::{get, post, request, Site, TOKEN};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use steward_access::{Permission, Role};

fn call(site: &Site, method: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let bytes = if method == "GET" || method == "DELETE" {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let ctype = (!bytes.is_empty()).then_some("application/json");
    let (st, text) = request(site.http, method, path, token, ctype, &bytes).unwrap();
    (
        st,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A user of `role` and an API token for it.
fn token_for(site: &Site, role: Role) -> String {
    let name = format!("u-{}", role.as_str().replace('_', "-"));
    let (st, user) = call(
        site,
        "POST",
        "/api/v1/users",
        Some(TOKEN),
        &json!({"name": name, "role": role.as_str(), "password": "correct horse battery staple"}),
    );
    assert_eq!(st, 201, "{user}");
    let (st, token) = call(
        site,
        "POST",
        "/api/v1/tokens",
        Some(TOKEN),
        &json!({"user_id": user["id"], "name": "test"}),
    );
    assert_eq!(st, 201, "{token}");
    token["secret"].as_str().unwrap().to_owned()
}

fn operations(doc: &Value) -> Vec<(String, String, Option<Permission>)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scope = op["security"][0]["bearer"][0].as_str();
            out.push((
                method.to_ascii_uppercase(),
                path.clone(),
                scope.map(|s| Permission::parse(s).unwrap_or_else(|| panic!("{s}"))),
            ));
        }
    }
    out
}

#[test]
fn every_route_enforces_the_permission_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::new(&dir.path().join("data")).start();
    let (st, doc) = get(site.http, "/api/v1/openapi.json", None).unwrap();
    assert_eq!(st, 200);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let ops = operations(&doc);
    assert!(ops.len() >= 40, "{} operations", ops.len());
    let tokens: Vec<(Role, String)> = Role::ALL
        .iter()
        .map(|r| (*r, token_for(&site, *r)))
        .collect();
    let mut checked = 0;
    for (method, path, needed) in &ops {
        let url = path
            .replace("{sha256}", &"0".repeat(64))
            .replace("{id}", "999999");
        let Some(needed) = needed else {
            assert_eq!(path, "/api/v1/auth/login", "only sign-in is public");
            continue;
        };
        let (st, body) = call(&site, method, &url, None, &json!({}));
        assert_eq!(st, 401, "{method} {url} without a token: {body}");
        assert_eq!(body["error"]["code"], "unauthorized");
        for (role, token) in &tokens {
            let (st, body) = call(&site, method, &url, Some(token), &json!({}));
            if role.allows(*needed) {
                assert!(
                    st != 401 && st != 403,
                    "{role} may {needed}: {method} {url} answered {st} {body}"
                );
            } else {
                assert_eq!(st, 403, "{role} may not {needed}: {method} {url} {body}");
                assert_eq!(body["error"]["code"], "forbidden");
            }
            // Every answer is a well-formed document, errors in the one shape.
            if st >= 400 {
                assert!(
                    body["error"]["code"].is_string(),
                    "{method} {url} {st} {body}"
                );
            }
            assert!(st < 500, "{method} {url} as {role}: {st} {body}");
            checked += 1;
        }
    }
    assert_eq!(checked, (ops.len() - 1) * 4);

    // A method the document does not list is 405 (even for the admin), never a handler.
    let admin = &tokens.iter().find(|(r, _)| *r == Role::Admin).unwrap().1;
    let (st, body) = call(&site, "PATCH", "/api/v1/assets", Some(admin), &json!({}));
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    // Documented ranges are enforced, not clamped.
    for bad in [
        "limit=0",
        "limit=501",
        "offset=9223372036854775808",
        "min_criticality=6",
    ] {
        let (st, body) = call(
            &site,
            "GET",
            &format!("/api/v1/assets?{bad}"),
            Some(admin),
            &json!(null),
        );
        assert_eq!(st, 400, "{bad}: {body}");
    }
}

fn wait_json(site: &Site, path: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (st, body) = call(site, "GET", path, Some(TOKEN), &Value::Null);
        if st == 200 && ok(&body) {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{path} never became ready: {st} {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_closed_loop_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("site.toml");
    std::fs::write(
        &config,
        "[incidents]\nautomation_secs = 1\nmin_level = \"low\"\n\n[http]\nmax_upload_bytes = 200000\n",
    )
    .unwrap();
    let site = Site::new(&dir.path().join("data"))
        .with_args(&["--config", config.to_str().unwrap()])
        .start();

    // With an approved inventory in place, an internal address seen in traffic becomes a
    // shadow asset and raises an alert.
    let (st, dc) = call(
        &site,
        "POST",
        "/api/v1/assets",
        Some(TOKEN),
        &json!({"kind": "server", "name": "dc01", "ips": ["10.9.0.1"], "confidentiality": 5}),
    );
    assert_eq!(st, 201, "{dc}");
    assert_eq!(dc["approved"], true);
    assert_eq!(dc["criticality"], 4);
    let flow = json!({"@timestamp": chrono::Utc::now().to_rfc3339(),
        "source": {"ip": "10.9.8.7"}, "destination": {"ip": "192.0.2.1", "port": 443},
        "host": {"hostname": "ws-017"}});
    let (st, _) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "application/x-ndjson",
        flow.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200);
    let shadow = wait_json(&site, "/api/v1/assets/shadow", |b| b["total"] == 1);
    let asset = &shadow["items"][0];
    assert_eq!(asset["ips"][0], "10.9.8.7");
    assert_eq!(asset["approved"], false);
    let asset_id = asset["id"].as_i64().unwrap();
    wait_json(&site, "/api/v1/alerts?rule_id=steward-shadow-asset", |b| {
        b["alerts"].as_array().is_some_and(|a| a.len() == 1)
    });
    let (st, approved) = call(
        &site,
        "POST",
        &format!("/api/v1/assets/{asset_id}/approve"),
        Some(TOKEN),
        &json!({}),
    );
    assert_eq!((st, &approved["approved"]), (200, &json!(true)));
    // Events stored from now on carry the asset id of their source.
    let (st, _) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "application/x-ndjson",
        flow.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200);
    let start = Instant::now();
    while site.count(&format!("steward.asset.source_id:{asset_id}")) < 1 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no enriched event"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // SSH password guessing: the built-in correlation alerts, automation opens an incident.
    let now = chrono::Utc::now();
    let lines: String = (0..12)
        .map(|i| {
            format!(
                "<38>{} web01 sshd[{}]: Failed password for root from 10.9.8.7 port {} ssh2\n",
                now.format("%b %e %H:%M:%S"),
                100 + i,
                40000 + i
            )
        })
        .collect();
    let (st, _) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "text/plain",
        lines.as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200);
    let incidents = wait_json(&site, "/api/v1/incidents?q=SSH", |b| {
        b["total"].as_u64() >= Some(1)
    });
    let id = incidents["items"][0]["id"].as_i64().unwrap();
    let alerts = wait_json(&site, "/api/v1/alerts?entity=10.9.8.7", |b| {
        b["alerts"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert!(
        alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["details"]["source_asset_id"] == asset_id),
        "{alerts}"
    );
    let alerts = wait_json(&site, "/api/v1/alerts?entity=10.9.8.7", |b| {
        b["alerts"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert!(
        alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["details"]["source_asset_id"] == asset_id),
        "{alerts}"
    );
    let (st, incident) = call(
        &site,
        "GET",
        &format!("/api/v1/incidents/{id}"),
        Some(TOKEN),
        &Value::Null,
    );
    assert_eq!(st, 200);
    assert_eq!(incident["state"], "new");
    assert_eq!(incident["category"], "brute_force", "{incident}");
    assert!(incident["sla"]["due_acknowledge"].is_string());

    // The state machine: a move records who and why; going back is refused with what
    // is allowed from where the incident stands.
    let (st, moved) = call(
        &site,
        "POST",
        &format!("/api/v1/incidents/{id}/transition"),
        Some(TOKEN),
        &json!({"to": "triage", "reason": "looking at it"}),
    );
    assert_eq!(st, 200, "{moved}");
    let last = moved["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["reason"], "looking at it");
    assert!(
        last["actor"].as_str().unwrap().starts_with("token:admin"),
        "{last}"
    );
    let (st, refused) = call(
        &site,
        "POST",
        &format!("/api/v1/incidents/{id}/transition"),
        Some(TOKEN),
        &json!({"to": "new", "reason": "back"}),
    );
    assert_eq!(st, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_transition");
    assert!(refused["error"]["allowed"]
        .as_array()
        .unwrap()
        .contains(&json!("analysis")));
    let (st, suggestions) = call(
        &site,
        "GET",
        &format!("/api/v1/incidents/{id}/suggestions?lang=en"),
        Some(TOKEN),
        &Value::Null,
    );
    assert_eq!(st, 200);
    assert_eq!(suggestions[0]["category"], "brute_force", "{suggestions}");

    // Scanner upload: good, truncated (400 with its place, nothing imported), too big (413).
    let nuclei = r#"{"template-id":"git-config","info":{"name":"Git Config Disclosure","severity":"medium"},"host":"http://10.9.8.7","matched-at":"http://10.9.8.7/.git/config","ip":"10.9.8.7","port":"80","timestamp":"2026-11-20T10:00:00Z"}"#;
    let (st, summary) = request(
        site.http,
        "POST",
        "/api/v1/vulnerabilities/imports?name=t.jsonl",
        Some(TOKEN),
        Some("application/octet-stream"),
        nuclei.as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 201, "{summary}");
    let (st, bad) = request(
        site.http,
        "POST",
        "/api/v1/vulnerabilities/imports",
        Some(TOKEN),
        Some("application/octet-stream"),
        &nuclei.as_bytes()[..60],
    )
    .unwrap();
    assert_eq!(st, 400, "{bad}");
    assert!(bad.contains("line 1"), "{bad}");
    let big = vec![b'x'; 300_000];
    let (st, _) = request(
        site.http,
        "POST",
        "/api/v1/vulnerabilities/imports",
        Some(TOKEN),
        Some("application/octet-stream"),
        &big,
    )
    .unwrap();
    assert_eq!(st, 413);
    let vulns = wait_json(&site, "/api/v1/vulnerabilities", |_| true);
    assert_eq!(vulns["total"], 1, "{vulns}");
    assert_eq!(vulns["items"][0]["asset_id"], asset_id);
    let vid = vulns["items"][0]["id"].as_i64().unwrap();
    let (st, refused) = call(
        &site,
        "POST",
        &format!("/api/v1/vulnerabilities/{vid}/state"),
        Some(TOKEN),
        &json!({"to": "verified"}),
    );
    assert_eq!(st, 409, "{refused}");
    assert!(refused["error"]["allowed"]
        .as_array()
        .unwrap()
        .contains(&json!("fixed")));

    // A person signs in; a customer viewer reads but may not change.
    let (st, _) = call(
        &site,
        "POST",
        "/api/v1/users",
        Some(TOKEN),
        &json!({"name": "viewer", "role": "customer_viewer", "password": "a long enough password"}),
    );
    assert_eq!(st, 201);
    let (st, wrong) = call(
        &site,
        "POST",
        "/api/v1/auth/login",
        None,
        &json!({"name": "viewer", "password": "nope"}),
    );
    assert_eq!(st, 401, "{wrong}");
    let (st, session) = call(
        &site,
        "POST",
        "/api/v1/auth/login",
        None,
        &json!({"name": "viewer", "password": "a long enough password"}),
    );
    assert_eq!(st, 200, "{session}");
    let viewer = session["token"].as_str().unwrap().to_owned();
    let (st, _) = call(
        &site,
        "GET",
        &format!("/api/v1/incidents/{id}"),
        Some(&viewer),
        &Value::Null,
    );
    assert_eq!(st, 200);
    let (st, _) = call(
        &site,
        "POST",
        &format!("/api/v1/incidents/{id}/comments"),
        Some(&viewer),
        &json!({"text": "hi"}),
    );
    assert_eq!(st, 403);
    let (st, me) = call(&site, "GET", "/api/v1/auth/me", Some(&viewer), &Value::Null);
    assert_eq!(
        (st, &me["principal"]["role"]),
        (200, &json!("customer_viewer"))
    );
    let (st, _) = call(
        &site,
        "POST",
        "/api/v1/auth/logout",
        Some(&viewer),
        &json!({}),
    );
    assert_eq!(st, 200);
    let (st, _) = call(&site, "GET", "/api/v1/auth/me", Some(&viewer), &Value::Null);
    assert_eq!(st, 401);

    // Every change above is in the audit chain, which verifies.
    let (st, audit) = call(
        &site,
        "GET",
        "/api/v1/audit?limit=1000",
        Some(TOKEN),
        &Value::Null,
    );
    assert_eq!(st, 200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for wanted in [
        "asset.discover",
        "asset.approve",
        "incident.create",
        "incident.transition",
        "vuln.import",
        "user.create",
        "session.login",
        "session.logout",
    ] {
        assert!(
            actions.contains(&wanted),
            "{wanted} not audited: {actions:?}"
        );
    }
    let (st, verify) = call(
        &site,
        "GET",
        "/api/v1/audit/verify",
        Some(TOKEN),
        &Value::Null,
    );
    assert_eq!((st, &verify["ok"]), (200, &json!(true)), "{verify}");
}
