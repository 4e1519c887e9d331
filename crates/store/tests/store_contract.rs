//! The contract every event store must keep, checked against the SQLite backend: what a
//! query finds in storage is exactly what the in-memory evaluator says matches, pages and
//! counts are consistent, and committed batches survive reopening. A future ClickHouse
//! backend runs the same cases.

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use std::collections::BTreeSet;
use steward_model::Event;
use steward_query::Query;
use steward_store::{
    Cursor, EventStore, HistogramRequest, SearchRequest, SqliteOptions, SqliteStore, TimeRange,
    TopRequest,
};

fn fixture_events() -> Vec<Event> {
    let base = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
    let rows = [
        json!({"host": {"name": "web01"}, "source": {"ip": "10.1.2.3", "port": 51000}, "destination": {"ip": "203.0.113.7", "port": 443}, "user": {"name": "alice"}, "event": {"action": "allow", "code": "4624", "original": "<134>1 web01 nginx GET /index.html 200 alice"}, "message": "GET /index.html 200"}),
        json!({"host": {"name": "WEB02"}, "source": {"ip": "10.1.9.9", "port": 51001}, "destination": {"ip": "198.51.100.1", "port": 80}, "user": {"name": "bob"}, "event": {"action": "deny", "code": 4625, "original": "Failed password for bob from 10.1.9.9 port 51001 ssh2"}, "message": "Failed password for bob"}),
        json!({"host": {"name": "db01"}, "source": {"ip": "192.168.5.5"}, "destination": {"port": 5432}, "user": {"name": "root"}, "event": {"action": "drop", "original": "用户登录失败 root 192.168.5.5"}, "related": {"ip": ["192.168.5.5", "10.9.9.9"]}, "labels": {"zone": "dmz"}}),
        json!({"host": {"name": "mail01"}, "source": {"ip": "2001:db8::10"}, "event": {"action": "allow", "original": "mail from <x@example.com> 50% done_now"}, "network": {"bytes": 1500}, "labels": {"zone": "core"}}),
        json!({"host": {"name": "web01"}, "event": {"original": "O'Reilly said \"; DROP TABLE events; --"}, "user": {"name": "O'Reilly"}, "network": {"bytes": "250"}}),
        json!({"event": {"original": "no host at all, error: disk full"}, "log": {"level": "error"}, "process": {"pid": 77}}),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut e = Event::from_object(r.as_object().unwrap().clone());
            e.set_timestamp("@timestamp", base + Duration::minutes(i as i64 * 10));
            e.set("steward.site.id", "s1");
            e
        })
        .collect()
}

fn all_time(query: Query, limit: usize) -> SearchRequest {
    SearchRequest {
        query,
        range: TimeRange::all(),
        limit,
        cursor: None,
        count_limit: u64::MAX,
    }
}

fn originals(events: &[steward_store::StoredEvent]) -> BTreeSet<String> {
    events
        .iter()
        .map(|e| e.event.get_str("event.original").unwrap_or("").to_owned())
        .collect()
}

fn open_filled() -> (tempfile::TempDir, SqliteStore, Vec<Event>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path(), SqliteOptions::default()).unwrap();
    let events = fixture_events();
    store.append_events(events.clone()).unwrap();
    (dir, store, events)
}

const QUERIES: &[&str] = &[
    "",
    "*",
    "host.name:web01",
    "host.name:WEB01",
    "host.name:web*",
    "host.name:w?b0?",
    "NOT host.name:web01",
    "-host.name:web01",
    "host.name:*",
    "NOT host.name:*",
    "source.ip:10.1.0.0/16",
    "source.ip:10.1.2.3",
    "source.ip:\"2001:db8::/32\"",
    "related.ip:10.9.0.0/16",
    "related.ip:192.168.5.5",
    "destination.port:443",
    "destination.port:>100",
    "destination.port:[80 TO 443]",
    "destination.port:{80 TO 443]",
    "destination.port:<=80",
    "source.port:*",
    "event.code:4624",
    "event.code:4625",
    "event.code:>4624",
    "network.bytes:>1000",
    "network.bytes:[200 TO 300]",
    "process.pid:77",
    "labels.zone:dmz OR labels.zone:core",
    "labels.zone:(dmz OR core) AND NOT host.name:db01",
    "event.action:(allow OR drop)",
    "user.name:\"O'Reilly\"",
    "user.name:o'reilly",
    "@timestamp:>=2026-11-20T08:15:00Z",
    "@timestamp:[2026-11-20T08:00:00Z TO 2026-11-20T08:20:00Z}",
    "@timestamp:<2026-11-21",
    "failed",
    "fail*",
    "\"failed password\"",
    "password AND NOT bob",
    "登录失败",
    "disk OR nginx",
    "done_now",
    "50%",
    "\"DROP TABLE events\"",
    "user.name:\"x' OR '1'='1\"",
    "host.name:\"web01') OR 1=1 --\"",
    "host.name:web01%",
    "host.name:web_1",
    "nonexistent.field:*",
    "nonexistent.field:x",
    "NOT nonexistent.field:x",
    "(host.name:web01 OR host.name:db01) AND user.name:root",
];

#[test]
fn storage_agrees_with_the_in_memory_evaluator() {
    let (_dir, store, events) = open_filled();
    let mut informative = 0;
    for q in QUERIES {
        let query = steward_query::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        let expected: BTreeSet<String> = events
            .iter()
            .filter(|e| query.matches(e))
            .map(|e| e.get_str("event.original").unwrap_or("").to_owned())
            .collect();
        let found = store
            .search(&all_time(query, 100))
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(originals(&found.events), expected, "query {q:?}");
        assert_eq!(found.total as usize, expected.len(), "total of {q:?}");
        assert!(found.total_exact);
        informative += usize::from(!expected.is_empty() && expected.len() < events.len());
    }
    // The table must discriminate: most queries select some events but not all.
    assert!(
        informative >= 35,
        "only {informative} queries select a proper subset"
    );
}

#[test]
fn pages_are_newest_first_and_complete() {
    let (_dir, store, events) = open_filled();
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let mut req = all_time(Query::All, 2);
        req.cursor = cursor.clone();
        let page = store.search(&req).unwrap();
        assert_eq!(page.total, events.len() as u64);
        seen.extend(page.events.iter().map(|e| e.event.timestamp().unwrap()));
        match page.next_cursor {
            Some(c) => cursor = Some(Cursor::decode(&c.encode()).unwrap()),
            None => break,
        }
    }
    assert_eq!(seen.len(), events.len());
    assert!(seen.windows(2).all(|w| w[0] >= w[1]), "newest first");
}

#[test]
fn time_ranges_counts_histogram_and_top() {
    let (_dir, store, _) = open_filled();
    let from = Utc.with_ymd_and_hms(2026, 11, 20, 8, 10, 0).unwrap();
    let range = TimeRange {
        from,
        to: from + Duration::minutes(20),
    };
    let found = store
        .search(&SearchRequest {
            query: Query::All,
            range,
            limit: 10,
            cursor: None,
            count_limit: 100,
        })
        .unwrap();
    assert_eq!(found.total, 2, "[08:10, 08:30) holds two events");

    let capped = store
        .search(&SearchRequest {
            query: Query::All,
            range: TimeRange::all(),
            limit: 1,
            cursor: None,
            count_limit: 3,
        })
        .unwrap();
    assert_eq!((capped.total, capped.total_exact), (3, false));

    let buckets = store
        .histogram(&HistogramRequest {
            query: Query::All,
            range: TimeRange {
                from: Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap(),
                to: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
            },
            interval_secs: 1800,
        })
        .unwrap();
    assert_eq!(
        buckets.iter().map(|b| b.count).collect::<Vec<_>>(),
        vec![3, 3]
    );

    let top = store
        .top(&TopRequest {
            query: Query::All,
            range: TimeRange::all(),
            field: "host.name".into(),
            limit: 2,
        })
        .unwrap();
    assert_eq!(top[0].value, json!("web01"));
    assert_eq!(top[0].count, 2);
    let top_ip = store
        .top(&TopRequest {
            query: Query::All,
            range: TimeRange::all(),
            field: "source.ip".into(),
            limit: 10,
        })
        .unwrap();
    assert!(top_ip.iter().any(|v| v.value == json!("2001:db8::10")));
    let top_json = store
        .top(&TopRequest {
            query: Query::All,
            range: TimeRange::all(),
            field: "labels.zone".into(),
            limit: 10,
        })
        .unwrap();
    assert_eq!(top_json.len(), 2);
    assert!(store
        .top(&TopRequest {
            query: Query::All,
            range: TimeRange::all(),
            field: "x\"y".into(),
            limit: 1
        })
        .is_err());
}

#[test]
fn committed_batches_survive_reopening_and_retention_drops_old_days() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open(dir.path(), SqliteOptions::default()).unwrap();
        store.append_events(fixture_events()).unwrap();
    }
    let store = SqliteStore::open(dir.path(), SqliteOptions::default()).unwrap();
    assert_eq!(store.search(&all_time(Query::All, 0)).unwrap().total, 6);
    assert!(store.disk_bytes().unwrap() > 0);
    assert!(
        store.apply_retention(Utc::now(), 1).unwrap().is_empty(),
        "today's partition stays"
    );
    let dropped = store
        .apply_retention(Utc::now() + Duration::days(3), 1)
        .unwrap();
    assert_eq!(dropped.len(), 1);
    assert_eq!(store.search(&all_time(Query::All, 0)).unwrap().total, 0);
    store.append_events(fixture_events()).unwrap();
    assert_eq!(
        store.search(&all_time(Query::All, 0)).unwrap().total,
        6,
        "a dropped day can be written again"
    );
}

#[test]
fn a_damaged_partition_is_set_aside_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events-20260101.db"),
        b"this is not a database, just garbage bytes",
    )
    .unwrap();
    let store = SqliteStore::open(dir.path(), SqliteOptions::default()).unwrap();
    store.append_events(fixture_events()).unwrap();
    assert_eq!(store.search(&all_time(Query::All, 0)).unwrap().total, 6);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.contains("corrupt")), "{names:?}");
}
