//! The chain against real tampering of the SQLite file, done the way an attacker would: with
//! a plain connection after dropping the append-only triggers.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;
use steward_audit::{
    anchor_path, verify, ActorKind, AuditError, AuditLog, BadReason, Entry, HashInput, ListFilter,
    NewEntry,
};

fn new_log(n: u64) -> (tempfile::TempDir, PathBuf, AuditLog) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = AuditLog::open(&path).unwrap();
    for i in 1..=n {
        log.append(
            NewEntry::new(ActorKind::User, format!("user{}", i % 3), "incident.update")
                .object("incident", format!("inc-{i}"))
                .details(json!({"field": "status", "to": format!("s{i}"), "n": i})),
        )
        .unwrap();
    }
    (dir, path, log)
}

fn tamper(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
}

fn first_bad(path: &Path) -> Option<(u64, BadReason)> {
    let report = verify(path).unwrap();
    assert_eq!(report.ok, report.first_bad.is_none());
    report.first_bad
}

#[test]
fn many_appends_verify_ok() {
    let start = Instant::now();
    let (_dir, path, log) = new_log(300);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "appended 300 entries in {secs:.3}s ({:.0}/s, synchronous=FULL + anchor fsync)",
        300.0 / secs
    );
    let start = Instant::now();
    let report = verify(&path).unwrap();
    println!(
        "verified 300 entries in {:.4}s",
        start.elapsed().as_secs_f64()
    );
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, 300);
    assert_eq!(report.anchor.as_ref().map(|a| a.seq), Some(300));
    drop(log);
    // Reopening an intact log and appending continues the same chain.
    let log = AuditLog::open(&path).unwrap();
    let e = log
        .append(NewEntry::new(ActorKind::System, "steward", "site.start"))
        .unwrap();
    assert_eq!(e.seq, 301);
    assert!(verify(&path).unwrap().ok);
}

#[test]
fn empty_log_verifies_ok() {
    let (_dir, path, _log) = new_log(0);
    let report = verify(&path).unwrap();
    assert!(report.ok);
    assert_eq!(report.entries, 0);
}

#[test]
fn the_triggers_refuse_in_place_changes() {
    let (_dir, path, _log) = new_log(3);
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert!(conn
        .execute("UPDATE entries SET actor = 'x' WHERE seq = 2", [])
        .is_err());
    assert!(conn
        .execute("DELETE FROM entries WHERE seq = 2", [])
        .is_err());
}

#[test]
fn edited_detail_is_named() {
    let (_dir, path, _log) = new_log(20);
    tamper(
        &path,
        r#"UPDATE entries SET details = '{"field":"status","n":7,"to":"closed"}' WHERE seq = 7"#,
    );
    assert_eq!(first_bad(&path), Some((7, BadReason::Edited)));
}

#[test]
fn edited_actor_of_genesis_is_named() {
    let (_dir, path, _log) = new_log(5);
    tamper(
        &path,
        "UPDATE entries SET actor = 'someone-else' WHERE seq = 1",
    );
    assert_eq!(first_bad(&path), Some((1, BadReason::Edited)));
}

#[test]
fn deleted_middle_row_is_named() {
    let (_dir, path, _log) = new_log(20);
    tamper(&path, "DELETE FROM entries WHERE seq = 10");
    assert_eq!(
        first_bad(&path),
        Some((10, BadReason::Missing { next_present: 11 }))
    );
}

#[test]
fn deleted_first_row_is_named() {
    let (_dir, path, _log) = new_log(4);
    tamper(&path, "DELETE FROM entries WHERE seq = 1");
    assert_eq!(
        first_bad(&path),
        Some((1, BadReason::Missing { next_present: 2 }))
    );
}

#[test]
fn swapped_rows_are_named_as_reordered() {
    let (_dir, path, _log) = new_log(20);
    let cols = "time, actor_kind, actor, action, object_type, object_id, details, prev_hash, hash";
    tamper(
        &path,
        &format!(
            "CREATE TEMP TABLE a AS SELECT {cols} FROM entries WHERE seq = 5;
             CREATE TEMP TABLE b AS SELECT {cols} FROM entries WHERE seq = 12;
             UPDATE entries SET ({cols}) = (SELECT {cols} FROM b) WHERE seq = 5;
             UPDATE entries SET ({cols}) = (SELECT {cols} FROM a) WHERE seq = 12;"
        ),
    );
    assert_eq!(
        first_bad(&path),
        Some((5, BadReason::Reordered { original_seq: 12 }))
    );
}

#[test]
fn rehashed_entry_that_does_not_link_is_named() {
    let (_dir, path, log) = new_log(12);
    // Re-hash entry 10 consistently but point it at a forged predecessor.
    let mut e: Entry = log
        .list(&ListFilter {
            before_seq: Some(11),
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()
        .remove(0);
    assert_eq!(e.seq, 10);
    e.prev_hash = "ab".repeat(32);
    let hash = e.computed_hash();
    tamper(
        &path,
        &format!(
            "UPDATE entries SET prev_hash = '{}', hash = '{hash}' WHERE seq = 10",
            e.prev_hash
        ),
    );
    assert_eq!(first_bad(&path), Some((10, BadReason::BrokenLink)));
}

#[test]
fn truncated_tail_is_caught_by_the_anchor() {
    let (_dir, path, log) = new_log(20);
    drop(log);
    tamper(&path, "DELETE FROM entries WHERE seq >= 18");
    assert_eq!(
        first_bad(&path),
        Some((18, BadReason::Truncated { anchor_seq: 20 }))
    );
    // The writer refuses to go on over the evidence.
    match AuditLog::open(&path) {
        Err(AuditError::Truncated {
            anchor_seq: 20,
            last_seq: 17,
        }) => {}
        other => panic!("expected Truncated, got {:?}", other.err()),
    }
}

#[test]
fn truncation_under_a_running_writer_stops_appends() {
    let (_dir, path, log) = new_log(5);
    tamper(&path, "DELETE FROM entries WHERE seq = 5");
    let r = log.append(NewEntry::new(ActorKind::Token, "tok-1", "rule.disable"));
    assert!(matches!(r, Err(AuditError::Truncated { .. })), "{r:?}");
}

#[test]
fn rewritten_tail_is_caught_by_the_anchor() {
    let (_dir, path, log) = new_log(20);
    // Replace the last entry with a fully re-hashed forgery: the chain alone is consistent.
    let mut e = log
        .list(&ListFilter {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()
        .remove(0);
    assert_eq!(e.seq, 20);
    e.details = json!({"innocent": true});
    let details = steward_audit::canonical_json(&e.details);
    let time = steward_audit::format_time(e.time);
    let hash = HashInput {
        seq: 20,
        time: &time,
        actor_kind: e.actor_kind.as_str(),
        actor: &e.actor,
        action: &e.action,
        object_type: &e.object_type,
        object_id: &e.object_id,
        details: &details,
        prev_hash: &e.prev_hash,
    }
    .hash();
    tamper(
        &path,
        &format!("UPDATE entries SET details = '{details}', hash = '{hash}' WHERE seq = 20"),
    );
    assert_eq!(first_bad(&path), Some((20, BadReason::AnchorMismatch)));
}

#[test]
fn missing_anchor_is_reported_and_recreated_on_open() {
    let (_dir, path, log) = new_log(6);
    drop(log);
    std::fs::remove_file(anchor_path(&path)).unwrap();
    assert_eq!(first_bad(&path), Some((6, BadReason::AnchorMissing)));
    let _log = AuditLog::open(&path).unwrap();
    assert!(verify(&path).unwrap().ok);
}

#[test]
fn non_text_column_is_malformed_not_a_crash() {
    let (_dir, path, _log) = new_log(4);
    tamper(&path, "UPDATE entries SET details = x'00ff' WHERE seq = 3");
    match first_bad(&path) {
        Some((3, BadReason::Malformed { what })) => assert!(what.contains("details"), "{what}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn concurrent_appends_keep_one_chain() {
    let (_dir, path, log) = new_log(0);
    let threads = 8;
    let per_thread = 25;
    std::thread::scope(|s| {
        for t in 0..threads {
            let log = &log;
            s.spawn(move || {
                for i in 0..per_thread {
                    log.append(
                        NewEntry::new(
                            ActorKind::Automation,
                            format!("playbook-{t}"),
                            "host.isolate",
                        )
                        .details(json!({"i": i})),
                    )
                    .unwrap();
                }
            });
        }
    });
    let report = verify(&path).unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, threads * per_thread);
    let mut out = Vec::new();
    assert_eq!(
        log.export_ndjson(&mut out, 1).unwrap(),
        threads * per_thread
    );
}

#[test]
fn details_are_stored_canonically_whatever_the_key_order() {
    let (_dir, path, log) = new_log(0);
    let a: Value = serde_json::from_str(r#"{"z":1,"a":{"y":[1,{"d":2,"c":3}],"b":"x"}}"#).unwrap();
    let b: Value = serde_json::from_str(r#"{"a":{"b":"x","y":[1,{"c":3,"d":2}]},"z":1}"#).unwrap();
    assert_eq!(
        steward_audit::canonical_json(&a),
        steward_audit::canonical_json(&b)
    );
    log.append(NewEntry::new(ActorKind::User, "u", "x").details(a))
        .unwrap();
    log.append(NewEntry::new(ActorKind::User, "u", "x").details(b))
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let stored: Vec<String> = conn
        .prepare("SELECT details FROM entries ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored[0], r#"{"a":{"b":"x","y":[1,{"c":3,"d":2}]},"z":1}"#);
    assert_eq!(stored[0], stored[1]);
}

#[test]
fn export_round_trips_and_rechecks_without_the_database() {
    let (_dir, _path, log) = new_log(30);
    let mut out = Vec::new();
    assert_eq!(log.export_ndjson(&mut out, 1).unwrap(), 30);
    let text = String::from_utf8(out).unwrap();
    let exported: Vec<Entry> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut listed = log
        .list(&ListFilter {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    listed.reverse();
    assert_eq!(exported, listed);
    let mut prev = steward_audit::GENESIS_HASH.to_owned();
    for e in &exported {
        assert_eq!(e.computed_hash(), e.hash, "seq {}", e.seq);
        assert_eq!(e.prev_hash, prev);
        prev = e.hash.clone();
    }
    let mut tail = Vec::new();
    assert_eq!(log.export_ndjson(&mut tail, 26).unwrap(), 5);
    assert!(String::from_utf8(tail)
        .unwrap()
        .starts_with(r#"{"seq":26,"#));
}

#[test]
fn list_filters_and_pages() {
    let (_dir, _path, log) = new_log(30);
    log.append(NewEntry::new(ActorKind::Token, "tok-ci", "rule.create").object("rule", "r1"))
        .unwrap();
    let by_actor = log
        .list(&ListFilter {
            actor: Some("user1".into()),
            limit: Some(100),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_actor.len(), 10);
    assert!(by_actor.windows(2).all(|w| w[0].seq > w[1].seq));
    let prefix = log
        .list(&ListFilter {
            action: Some("rule.*".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(prefix.len(), 1);
    assert_eq!(prefix[0].actor_kind, ActorKind::Token);
    let object = log
        .list(&ListFilter {
            object_type: Some("incident".into()),
            object_id: Some("inc-7".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(object.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![7]);
    let page = log
        .list(&ListFilter {
            before_seq: Some(20),
            limit: Some(5),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![19, 18, 17, 16, 15]
    );
    let all = log
        .list(&ListFilter {
            limit: Some(100),
            ..Default::default()
        })
        .unwrap();
    let t10 = all.iter().find(|e| e.seq == 10).unwrap().time;
    let t20 = all.iter().find(|e| e.seq == 20).unwrap().time;
    let window = log
        .list(&ListFilter {
            since: Some(t10),
            until: Some(t20),
            limit: Some(100),
            ..Default::default()
        })
        .unwrap();
    // Entries may share a microsecond, so bound by time, not by seq.
    assert!(window.iter().all(|e| e.time >= t10 && e.time < t20));
    assert!(window.iter().any(|e| e.seq == 10));
    assert!(window.iter().all(|e| e.seq != 20));
}
