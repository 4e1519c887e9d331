//! The search API as a client sees it: authentication, the error shape, positions of
//! query errors, paging, histogram and top values, and the public routes.

mod common;

use common::{encode, get, now_5424, post, run_id, Site, TOKEN};
use serde_json::Value;
use std::time::Duration;

#[test]
fn search_api_contract() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::new(&dir.path().join("data")).start();
    let run = run_id();
    let body: String = (0..25)
        .map(|i| {
            format!(
                "<134>1 {} host{} app - - - {run} seq={i} src=10.0.0.{i} user={}\n",
                now_5424(),
                i % 3,
                if i % 2 == 0 { "alice" } else { "bob" }
            )
        })
        .collect();
    let (st, _) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "text/plain",
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200);
    assert_eq!(site.wait_for(&run, 25, Duration::from_secs(10)), 25);

    // Authentication: missing, wrong, and the public routes.
    for path in [
        "/api/v1/events",
        "/api/v1/events/histogram",
        "/api/v1/events/top?field=host.name",
    ] {
        let (st, body) = get(site.http, path, None).unwrap();
        assert_eq!(st, 401, "{path}");
        let err: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(err["error"]["code"], "unauthorized");
        assert_eq!(get(site.http, path, Some("stw_wrong")).unwrap().0, 401);
    }
    assert_eq!(
        post(site.http, "/api/v1/ingest", None, "text/plain", b"x")
            .unwrap()
            .0,
        401
    );
    assert_eq!(
        post(
            site.http,
            "/services/collector/raw",
            Some("Splunk nope-nope-nope-nope"),
            "text/plain",
            b"x"
        )
        .unwrap()
        .0,
        401
    );
    assert_eq!(get(site.http, "/healthz", None).unwrap().0, 200);
    let (st, metrics) = get(site.http, "/metrics", None).unwrap();
    assert_eq!(st, 200);
    assert!(metrics.contains("# TYPE steward_store_stored_events_total counter"));

    // Bad queries: 400 with the position.
    let (st, body) = get(
        site.http,
        &format!("/api/v1/events?q={}", encode("host.name:(\"a\" AND")),
        Some(TOKEN),
    )
    .unwrap();
    assert_eq!(st, 400, "{body}");
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"]["code"], "bad_query");
    assert!(err["error"]["position"].as_u64().is_some(), "{body}");
    assert_eq!(
        get(site.http, "/api/v1/events?from=yesterday", Some(TOKEN))
            .unwrap()
            .0,
        400
    );
    assert_eq!(
        get(site.http, "/api/v1/events?cursor=garbage", Some(TOKEN))
            .unwrap()
            .0,
        400
    );
    assert_eq!(
        get(site.http, "/api/v1/events/top", Some(TOKEN)).unwrap().0,
        400
    );
    assert_eq!(
        get(
            site.http,
            &format!("/api/v1/events/top?field={}", encode("a'b")),
            Some(TOKEN)
        )
        .unwrap()
        .0,
        400
    );

    // Paging: 25 events in pages of 10, no repeats.
    let mut ids = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    for _ in 0..3 {
        let path = format!(
            "/api/v1/events?q={run}&from=now-1h&limit=10&cursor={}",
            encode(&cursor)
        );
        let (st, body) = get(site.http, &path, Some(TOKEN)).unwrap();
        assert_eq!(st, 200);
        let page: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(page["total"], 25);
        for e in page["events"].as_array().unwrap() {
            assert!(ids.insert(e["_id"].as_str().unwrap().to_owned()));
        }
        cursor = page["next_cursor"].as_str().unwrap_or("").to_owned();
    }
    assert_eq!(ids.len(), 25);
    assert!(cursor.is_empty());

    // Fields from kv payloads, CIDR and boolean logic through the API.
    assert_eq!(site.count(&format!("{run} AND user.name:alice")), 13);
    assert_eq!(
        site.count(&format!(
            "{run} AND source.ip:10.0.0.0/29 AND NOT user.name:alice"
        )),
        4
    );

    // Histogram and top values.
    let (st, body) = get(
        site.http,
        &format!("/api/v1/events/histogram?q={run}&from=now-1h&interval=1m"),
        Some(TOKEN),
    )
    .unwrap();
    assert_eq!(st, 200);
    let hist: Value = serde_json::from_str(&body).unwrap();
    let sum: u64 = hist["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 25);
    let (st, body) = get(
        site.http,
        &format!("/api/v1/events/top?q={run}&field=host.name&limit=2"),
        Some(TOKEN),
    )
    .unwrap();
    assert_eq!(st, 200);
    let top: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(top["values"][0]["value"], "host0");
    assert_eq!(top["values"][0]["count"], 9);
    assert_eq!(top["values"].as_array().unwrap().len(), 2);

    // Unknown parser and media type are refused before anything is stored.
    assert_eq!(
        post(
            site.http,
            "/api/v1/ingest?parser=nope",
            Some(TOKEN),
            "text/plain",
            b"x\n"
        )
        .unwrap()
        .0,
        400
    );
    assert_eq!(
        post(
            site.http,
            "/api/v1/ingest",
            Some(TOKEN),
            "image/png",
            b"x\n"
        )
        .unwrap()
        .0,
        415
    );
}
