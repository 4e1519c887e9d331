use super::*;
use crate::{ObjectError, ObjectStore, Page};
use chrono::{Duration, TimeZone};
use steward_model::{Entities, Level};
use steward_secops::{
    allowed_transitions, AlertRef, Evidence, GroupingConfig, SlaPolicy, SlaTarget, TimelineKind,
};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
}

fn m(n: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(n)
}

pub(crate) fn open_store() -> (tempfile::TempDir, ObjectStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = ObjectStore::open(&dir.path().join("objects.db")).unwrap();
    (dir, store)
}

pub(crate) fn alert(
    id: i64,
    host: &str,
    tags: &[&str],
    level: Level,
    at: DateTime<Utc>,
) -> AlertRef {
    AlertRef {
        id,
        rule_id: format!("rule-{id}"),
        title: "SSH brute force".into(),
        level,
        tags: tags.iter().map(|s| s.to_string()).collect(),
        entities: Entities {
            host: Some(host.into()),
            source_ip: Some("203.0.113.9".into()),
            ..Entities::default()
        },
        first_seen: at,
        last_seen: at + Duration::minutes(2),
    }
}

fn new_incident(title: &str, severity: Severity) -> NewIncident {
    NewIncident {
        title: title.into(),
        severity,
        category: None,
        description: None,
        alert_ids: Vec::new(),
        assignee: None,
    }
}

fn p() -> SlaPolicy {
    SlaPolicy::default()
}

fn list(store: &ObjectStore, f: IncidentFilter) -> Page<IncidentRow> {
    store.list_incidents(&f).unwrap()
}

fn ids(page: &Page<IncidentRow>) -> Vec<i64> {
    page.items.iter().map(|r| r.id).collect()
}

#[test]
fn create_and_get_round_trip() {
    let (_d, store) = open_store();
    let a = alert(
        11,
        "web01",
        &["attack.t1110", "attack.credential_access"],
        Level::High,
        m(-5),
    );
    let mut input = new_incident("  Brute force on web01 ", Severity::Medium);
    input.alert_ids = vec![11];
    input.description = Some("seen by the night shift".into());
    input.assignee = Some("carol".into());
    let rec = store
        .create_incident(&input, std::slice::from_ref(&a), &p(), "alice", m(0))
        .unwrap();
    assert_eq!(rec.incident.id, 1);
    assert_eq!(rec.incident.title, "Brute force on web01");
    // The alert's level raises the severity; the category comes from its technique.
    assert_eq!(rec.incident.severity, Severity::High);
    assert_eq!(rec.incident.category, Category::BruteForce);
    assert_eq!(rec.incident.assignee.as_deref(), Some("carol"));
    assert_eq!(rec.incident.comments[0].text, "seen by the night shift");
    assert_eq!(rec.incident.alert_ids, vec![11]);
    assert_eq!(rec.sla.due_acknowledge, m(60));
    assert!(rec.sla.breaches.is_empty());
    let got = store.get_incident(1, &p()).unwrap();
    assert_eq!(got, rec);
    assert_eq!(store.incident_alert_ids(1).unwrap(), vec![11]);
    assert_eq!(store.incident_of_alert(11).unwrap(), Some(1));

    // The JSON shows the incident's fields at the top level plus `sla`.
    let json = serde_json::to_value(&got).unwrap();
    assert_eq!(json["id"], 1);
    assert_eq!(json["state"], "new");
    assert_eq!(json["timeline"][0]["kind"], "created");
    assert!(json["sla"]["due_resolve"].is_string());

    // The same alert cannot open a second incident.
    let err = store
        .create_incident(&input, &[a], &p(), "alice", m(1))
        .unwrap_err();
    match err {
        ObjectError::Conflict { message, .. } => {
            assert!(message.contains("incident 1"), "{message}")
        }
        e => panic!("{e:?}"),
    }
    assert!(matches!(
        store.get_incident(99, &p()),
        Err(ObjectError::NotFound {
            kind: "incident",
            ..
        })
    ));
}

#[test]
fn create_validates_input() {
    let (_d, store) = open_store();
    let bad =
        |input: NewIncident, field: &str| match store.create_incident(&input, &[], &p(), "a", m(0))
        {
            Err(ObjectError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{other:?}"),
        };
    bad(new_incident("   ", Severity::Low), "title");
    bad(
        new_incident(&"x".repeat(MAX_TITLE + 1), Severity::Low),
        "title",
    );
    let mut i = new_incident("ok", Severity::Low);
    i.assignee = Some(" ".into());
    bad(i, "assignee");
    let mut i = new_incident("ok", Severity::Low);
    i.description = Some("d".repeat(MAX_COMMENT + 1));
    bad(i, "description");
    let mut i = new_incident("ok", Severity::Low);
    i.alert_ids = vec![5];
    assert!(matches!(
        store.create_incident(&i, &[], &p(), "a", m(0)),
        Err(ObjectError::NotFound { kind: "alert", .. })
    ));
    assert_eq!(list(&store, IncidentFilter::default()).total, 0);
    // Unknown fields in the JSON body are refused.
    assert!(
        serde_json::from_str::<NewIncident>(r#"{"title":"x","severity":"low","bogus":1}"#).is_err()
    );
    let ok: NewIncident = serde_json::from_str(r#"{"title":"x","severity":"low"}"#).unwrap();
    assert!(ok.alert_ids.is_empty());
}

#[test]
fn list_filters_sorts_and_pages() {
    let (_d, store) = open_store();
    let specs = [
        ("Ransomware on fin01", Severity::Critical, Some("bob")),
        ("Port scan from outside", Severity::Low, None),
        ("Webshell upload", Severity::High, Some("carol")),
        ("SSH brute force on web01", Severity::Medium, Some("bob")),
        ("Mining on build02", Severity::Medium, None),
    ];
    for (i, (title, sev, who)) in specs.iter().enumerate() {
        let mut input = new_incident(title, *sev);
        input.assignee = who.map(str::to_owned);
        store
            .create_incident(&input, &[], &p(), "alice", m(i as i64 * 10))
            .unwrap();
    }
    store
        .transition_incident(
            2,
            &TransitionInput {
                to: IncidentState::FalsePositive,
                reason: "lab".into(),
            },
            &p(),
            "bob",
            m(100),
        )
        .unwrap();
    let all = list(&store, IncidentFilter::default());
    assert_eq!(all.total, 5);
    assert_eq!(ids(&all), vec![5, 4, 3, 2, 1], "default: newest first");
    assert_eq!(all.items[0].category, Category::Mining);
    assert_eq!(all.items[0].alert_count, 0);

    let f = |f: IncidentFilter| ids(&list(&store, f));
    assert_eq!(
        f(IncidentFilter {
            state: Some(IncidentState::FalsePositive),
            ..Default::default()
        }),
        vec![2]
    );
    assert_eq!(
        f(IncidentFilter {
            severity: Some(Severity::Medium),
            ..Default::default()
        }),
        vec![5, 4]
    );
    assert_eq!(
        f(IncidentFilter {
            category: Some(Category::Ransomware),
            ..Default::default()
        }),
        vec![1]
    );
    assert_eq!(
        f(IncidentFilter {
            assignee: Some("bob".into()),
            ..Default::default()
        }),
        vec![4, 1]
    );
    assert_eq!(
        f(IncidentFilter {
            q: Some("ON ".into()),
            ..Default::default()
        }),
        vec![5, 4, 1]
    );
    assert_eq!(
        f(IncidentFilter {
            q: Some("%".into()),
            ..Default::default()
        }),
        Vec::<i64>::new()
    );
    assert_eq!(
        f(IncidentFilter {
            created_from: Some(m(10)),
            created_to: Some(m(30)),
            ..Default::default()
        }),
        vec![3, 2]
    );
    assert_eq!(
        f(IncidentFilter {
            open: Some(false),
            ..Default::default()
        }),
        vec![2]
    );
    assert_eq!(
        f(IncidentFilter {
            open: Some(true),
            ..Default::default()
        })
        .len(),
        4
    );
    assert_eq!(
        f(IncidentFilter {
            breached: Some(true),
            ..Default::default()
        }),
        Vec::<i64>::new()
    );
    assert_eq!(
        f(IncidentFilter {
            breached: Some(false),
            ..Default::default()
        })
        .len(),
        5
    );

    let sorted = |sort, order| {
        f(IncidentFilter {
            sort: Some(sort),
            order: Some(order),
            ..Default::default()
        })
    };
    assert_eq!(
        sorted(IncidentSort::Id, SortOrder::Asc),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(
        sorted(IncidentSort::CreatedAt, SortOrder::Asc),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(
        sorted(IncidentSort::UpdatedAt, SortOrder::Desc),
        vec![2, 5, 4, 3, 1]
    );
    // Severity ties break by id in the same direction.
    assert_eq!(
        sorted(IncidentSort::Severity, SortOrder::Desc),
        vec![1, 3, 5, 4, 2]
    );
    // Low gets 30 days, critical 24 hours.
    assert_eq!(sorted(IncidentSort::DueResolve, SortOrder::Asc)[0], 1);
    assert_eq!(sorted(IncidentSort::DueResolve, SortOrder::Asc)[4], 2);

    let page = list(
        &store,
        IncidentFilter {
            limit: Some(2),
            offset: Some(1),
            sort: Some(IncidentSort::Id),
            order: Some(SortOrder::Asc),
            ..Default::default()
        },
    );
    assert_eq!(
        (ids(&page), page.total, page.limit, page.offset),
        (vec![2, 3], 5, 2, 1)
    );
    let past = list(
        &store,
        IncidentFilter {
            offset: Some(50),
            ..Default::default()
        },
    );
    assert_eq!((past.items.len(), past.total), (0, 5));
    let filtered = list(
        &store,
        IncidentFilter {
            assignee: Some("bob".into()),
            limit: Some(1),
            ..Default::default()
        },
    );
    assert_eq!((filtered.items.len(), filtered.total), (1, 2));
}

/// Creates an incident and moves it from `new` straight to `state` (every state but
/// `new` is reachable from there in one step).
fn incident_in(store: &ObjectStore, state: IncidentState) -> i64 {
    let id = store
        .create_incident(
            &new_incident("case", Severity::High),
            &[],
            &p(),
            "alice",
            m(0),
        )
        .unwrap()
        .incident
        .id;
    if state != IncidentState::New {
        store
            .transition_incident(
                id,
                &TransitionInput {
                    to: state,
                    reason: "setup".into(),
                },
                &p(),
                "alice",
                m(1),
            )
            .unwrap();
    }
    id
}

#[test]
fn every_allowed_move_works_and_forbidden_ones_conflict() {
    let (_d, store) = open_store();
    for from in IncidentState::ALL {
        let allowed = allowed_transitions(from);
        for to in IncidentState::ALL {
            let id = incident_in(&store, from);
            let input = TransitionInput {
                to,
                reason: format!("{from} to {to}"),
            };
            let got = store.transition_incident(id, &input, &p(), "bob", m(7));
            if allowed.contains(&to) {
                let rec = got.unwrap_or_else(|e| panic!("{from} -> {to}: {e}"));
                assert_eq!(rec.incident.state, to);
                let last = rec.incident.timeline.last().unwrap();
                assert_eq!((last.actor.as_str(), last.at), ("bob", m(7)));
                assert_eq!(
                    last.kind,
                    TimelineKind::Transition {
                        from,
                        to,
                        reason: format!("{from} to {to}")
                    }
                );
                // The stored copy says the same, columns included.
                assert_eq!(store.get_incident(id, &p()).unwrap().incident.state, to);
                let row = list(
                    &store,
                    IncidentFilter {
                        state: Some(to),
                        ..Default::default()
                    },
                );
                assert!(row.items.iter().any(|r| r.id == id && r.updated_at == m(7)));
            } else {
                match got {
                    Err(ObjectError::Conflict {
                        message,
                        allowed: a,
                    }) => {
                        let want: Vec<String> =
                            allowed.iter().map(|s| s.as_str().to_owned()).collect();
                        assert_eq!(a, want, "{from} -> {to}");
                        assert!(message.contains(from.as_str()), "{message}");
                    }
                    other => panic!("{from} -> {to}: {other:?}"),
                }
                assert_eq!(store.get_incident(id, &p()).unwrap().incident.state, from);
            }
        }
    }
    let id = incident_in(&store, IncidentState::New);
    assert!(matches!(
        store.transition_incident(id, &TransitionInput { to: IncidentState::Triage, reason: " ".into() }, &p(), "bob", m(2)),
        Err(ObjectError::Invalid { field, .. }) if field == "reason"
    ));
    assert!(matches!(
        store.transition_incident(
            999,
            &TransitionInput {
                to: IncidentState::Triage,
                reason: "x".into()
            },
            &p(),
            "bob",
            m(2)
        ),
        Err(ObjectError::NotFound { .. })
    ));
}

#[test]
fn assign_comment_pin_and_link() {
    let (_d, store) = open_store();
    let id = incident_in(&store, IncidentState::New);
    let rec = store
        .assign_incident(
            id,
            &AssignInput {
                assignee: Some("dave".into()),
            },
            &p(),
            "alice",
            m(3),
        )
        .unwrap();
    assert_eq!(rec.incident.assignee.as_deref(), Some("dave"));
    let rows = list(
        &store,
        IncidentFilter {
            assignee: Some("dave".into()),
            ..Default::default()
        },
    );
    assert_eq!(ids(&rows), vec![id]);
    let rec = store
        .assign_incident(id, &AssignInput { assignee: None }, &p(), "alice", m(4))
        .unwrap();
    assert_eq!(rec.incident.assignee, None);
    let rec = store
        .comment_incident(
            id,
            &CommentInput {
                text: "checked logs".into(),
            },
            &p(),
            "dave",
            m(5),
        )
        .unwrap();
    assert_eq!(rec.incident.comments.last().unwrap().author, "dave");
    assert!(store
        .comment_incident(id, &CommentInput { text: "".into() }, &p(), "dave", m(5))
        .is_err());
    assert!(store
        .comment_incident(
            id,
            &CommentInput {
                text: "c".repeat(MAX_COMMENT + 1)
            },
            &p(),
            "dave",
            m(5)
        )
        .is_err());
    let rec = store
        .pin_event(
            id,
            &PinEventInput {
                event_id: "ev-1".into(),
                note: "first login".into(),
            },
            &p(),
            "dave",
            m(6),
        )
        .unwrap();
    assert_eq!(
        rec.incident.evidence,
        vec![Evidence::Event {
            event_id: "ev-1".into(),
            note: "first login".into()
        }]
    );
    assert!(serde_json::from_str::<PinEventInput>(r#"{"event_id":"e"}"#)
        .unwrap()
        .note
        .is_empty());

    let a1 = alert(1, "db01", &["attack.t1110"], Level::Critical, m(-3));
    let a2 = alert(2, "db01", &["attack.t1110"], Level::Low, m(-1));
    let rec = store
        .link_alerts(id, &[a1.clone(), a2.clone()], &p(), "dave", m(8))
        .unwrap();
    assert_eq!(rec.incident.alert_ids, vec![1, 2]);
    assert_eq!(rec.incident.severity, Severity::Critical);
    // Linking again is harmless; another incident may not take them.
    store
        .link_alerts(id, std::slice::from_ref(&a1), &p(), "dave", m(9))
        .unwrap();
    let other = incident_in(&store, IncidentState::New);
    assert!(matches!(
        store.link_alerts(other, &[a2], &p(), "dave", m(9)),
        Err(ObjectError::Conflict { .. })
    ));
    let row = list(
        &store,
        IncidentFilter {
            severity: Some(Severity::Critical),
            ..Default::default()
        },
    );
    assert_eq!(row.items[0].alert_count, 2);
    assert_eq!(row.items[0].first_alert_at, Some(m(-3)));
    assert_eq!(row.items[0].last_alert_at, Some(m(1)));
    // Critical severity re-dates the SLA: acknowledge within 15 minutes of creation.
    assert_eq!(row.items[0].due_acknowledge, m(15));
    assert!(LinkAlertsInput { alert_ids: vec![] }.validate().is_err());
}

#[test]
fn grouping_joins_related_alerts_and_splits_unrelated_ones() {
    let (_d, store) = open_store();
    let cfg = GroupingConfig::default();
    let brute = ["attack.credential_access", "attack.t1110"];
    let first = store
        .group_alert(
            &alert(1, "web01", &brute, Level::High, m(0)),
            &cfg,
            &p(),
            m(1),
        )
        .unwrap();
    assert!(first.created);
    let second = store
        .group_alert(
            &alert(2, "web01", &brute, Level::Critical, m(20)),
            &cfg,
            &p(),
            m(21),
        )
        .unwrap();
    assert_eq!(
        second,
        GroupOutcome {
            incident_id: first.incident_id,
            created: false
        }
    );
    let unrelated = AlertRef {
        entities: Entities {
            host: Some("mail07".into()),
            ..Entities::default()
        },
        ..alert(3, "mail07", &["attack.exfiltration"], Level::Medium, m(25))
    };
    let third = store.group_alert(&unrelated, &cfg, &p(), m(26)).unwrap();
    assert!(third.created);
    assert_ne!(third.incident_id, first.incident_id);
    // An alert already linked stays where it is.
    let again = store
        .group_alert(
            &alert(1, "web01", &brute, Level::High, m(0)),
            &cfg,
            &p(),
            m(30),
        )
        .unwrap();
    assert_eq!(
        again,
        GroupOutcome {
            incident_id: first.incident_id,
            created: false
        }
    );
    // Related but far outside the window: a new incident.
    let late = store
        .group_alert(
            &alert(4, "web01", &brute, Level::High, m(600)),
            &cfg,
            &p(),
            m(601),
        )
        .unwrap();
    assert!(late.created);

    let rec = store.get_incident(first.incident_id, &p()).unwrap();
    assert_eq!(rec.incident.alert_ids, vec![1, 2]);
    assert_eq!(rec.incident.severity, Severity::Critical);
    assert_eq!(rec.incident.category, Category::BruteForce);
    assert_eq!(rec.incident.timeline[0].actor, "automation");
    assert_eq!(list(&store, IncidentFilter::default()).total, 3);

    // A closed incident takes no new alerts.
    store
        .transition_incident(
            first.incident_id,
            &TransitionInput {
                to: IncidentState::Closed,
                reason: "done".into(),
            },
            &p(),
            "bob",
            m(40),
        )
        .unwrap();
    let after = store
        .group_alert(
            &alert(5, "web01", &brute, Level::High, m(41)),
            &cfg,
            &p(),
            m(42),
        )
        .unwrap();
    assert!(after.created);
}

#[test]
fn sla_sweep_records_each_breach_once() {
    let (_d, store) = open_store();
    let crit = store
        .create_incident(
            &new_incident("crit", Severity::Critical),
            &[],
            &p(),
            "a",
            m(0),
        )
        .unwrap()
        .incident
        .id;
    let low = store
        .create_incident(&new_incident("low", Severity::Low), &[], &p(), "a", m(0))
        .unwrap()
        .incident
        .id;
    // Acknowledged in time: never an acknowledge breach.
    let acked = store
        .create_incident(
            &new_incident("acked", Severity::Critical),
            &[],
            &p(),
            "a",
            m(0),
        )
        .unwrap()
        .incident
        .id;
    store
        .transition_incident(
            acked,
            &TransitionInput {
                to: IncidentState::Triage,
                reason: "mine".into(),
            },
            &p(),
            "b",
            m(10),
        )
        .unwrap();

    assert!(
        store.sweep_sla(&p(), m(15)).unwrap().is_empty(),
        "due exactly now is met"
    );
    let fresh = store.sweep_sla(&p(), m(20)).unwrap();
    assert_eq!(fresh.len(), 1);
    assert_eq!(fresh[0].0, crit);
    assert_eq!(fresh[0].1.target, SlaTarget::Acknowledge);
    assert_eq!(fresh[0].1.due, m(15));
    assert!(
        store.sweep_sla(&p(), m(21)).unwrap().is_empty(),
        "recorded once"
    );
    assert!(store.sweep_sla(&p(), m(22)).unwrap().is_empty());

    // Four hours later both critical incidents miss containment.
    let fresh = store.sweep_sla(&p(), m(4 * 60 + 1)).unwrap();
    let mut got: Vec<(i64, SlaTarget)> = fresh.iter().map(|(id, b)| (*id, b.target)).collect();
    got.sort_by_key(|(id, _)| *id);
    assert_eq!(
        got,
        vec![(crit, SlaTarget::Contain), (acked, SlaTarget::Contain)]
    );
    assert!(store.sweep_sla(&p(), m(4 * 60 + 2)).unwrap().is_empty());

    let rec = store.get_incident(crit, &p()).unwrap();
    let recorded = rec
        .incident
        .timeline
        .iter()
        .filter(|e| matches!(e.kind, TimelineKind::SlaBreached { .. }))
        .count();
    assert_eq!(recorded, 2);
    assert_eq!(rec.sla.breaches.len(), 2);
    assert_eq!(store.incident_breaches(crit).unwrap().len(), 2);
    let breached = list(
        &store,
        IncidentFilter {
            breached: Some(true),
            sort: Some(IncidentSort::Id),
            order: Some(SortOrder::Asc),
            ..Default::default()
        },
    );
    assert_eq!(ids(&breached), vec![crit, acked]);
    assert!(!ids(&breached).contains(&low));
}

#[test]
fn metrics_match_the_domain_computation() {
    let (_d, store) = open_store();
    let mut docs = Vec::new();
    for (i, (ack, resolve)) in [
        (Some(5), Some(65)),
        (Some(12), None),
        (None, None),
        (Some(1), Some(30)),
    ]
    .into_iter()
    .enumerate()
    {
        let start = m(i as i64);
        let id = store
            .create_incident(&new_incident("m", Severity::Medium), &[], &p(), "a", start)
            .unwrap()
            .incident
            .id;
        if let Some(a) = ack {
            store
                .transition_incident(
                    id,
                    &TransitionInput {
                        to: IncidentState::Analysis,
                        reason: "r".into(),
                    },
                    &p(),
                    "a",
                    start + Duration::seconds(a * 60 + 7),
                )
                .unwrap();
        }
        if let Some(r) = resolve {
            store
                .transition_incident(
                    id,
                    &TransitionInput {
                        to: IncidentState::Closed,
                        reason: "r".into(),
                    },
                    &p(),
                    "a",
                    start + Duration::minutes(r),
                )
                .unwrap();
        }
        docs.push(store.get_incident(id, &p()).unwrap().incident);
    }
    // One outside the period.
    store
        .create_incident(&new_incident("old", Severity::Low), &[], &p(), "a", m(-600))
        .unwrap();
    let got = store.incident_metrics(m(0), m(60)).unwrap();
    let want = steward_secops::mtta_mttr(&docs, m(0), m(60));
    assert_eq!(got, want);
    assert_eq!((got.incidents, got.acknowledged, got.resolved), (4, 3, 2));
    let empty = store.incident_metrics(m(1000), m(2000)).unwrap();
    assert_eq!((empty.incidents, empty.mtta_secs), (0, None));
}

#[test]
fn evidence_files_round_trip_and_stay_with_their_incident() {
    let (dir, store) = open_store();
    let id = incident_in(&store, IncidentState::Triage);
    let other = incident_in(&store, IncidentState::Triage);
    let bytes = b"GET /shell.jsp?cmd=id HTTP/1.1\r\n".to_vec();
    let rec = store
        .attach_file(id, "access.log", &bytes, &p(), "carol", m(5))
        .unwrap();
    let Some(Evidence::File { name, sha256, size }) = rec.incident.evidence.last().cloned() else {
        panic!("no file evidence");
    };
    assert_eq!((name.as_str(), size), ("access.log", bytes.len() as u64));
    assert_eq!(sha256.len(), 64);
    assert!(dir.path().join("evidence").join(&sha256).is_file());
    let (got_name, got) = store.evidence_file(id, &sha256).unwrap();
    assert_eq!((got_name.as_str(), got), ("access.log", bytes.clone()));
    // Upper-case hex names the same file.
    assert!(store.evidence_file(id, &sha256.to_uppercase()).is_ok());

    assert!(matches!(
        store.evidence_file(other, &sha256),
        Err(ObjectError::NotFound {
            kind: "evidence",
            ..
        })
    ));
    for bad in ["../objects.db", "abc", &"g".repeat(64)] {
        assert!(
            matches!(
                store.evidence_file(id, bad),
                Err(ObjectError::Invalid { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        store.attach_file(id, "../x", b"x", &p(), "c", m(6)),
        Err(ObjectError::Invalid { .. })
    ));
    assert!(matches!(
        store.attach_file(id, "empty.log", b"", &p(), "c", m(6)),
        Err(ObjectError::Invalid { .. })
    ));
    assert!(matches!(
        store.attach_file(999, "x", b"orphan", &p(), "c", m(6)),
        Err(ObjectError::NotFound { .. })
    ));
    // Only the one file and no temporaries are left in the store.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("evidence"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1);
}

/// Builds 100k incidents straight through the storage layer, then prints how long
/// detail and list requests take. Run with `--ignored --nocapture`.
#[test]
#[ignore]
fn bench_100k_incidents() {
    use std::time::Instant;
    let (_d, store) = open_store();
    let n = 100_000i64;
    let states = IncidentState::ALL;
    let sevs = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let cats = Category::ALL;
    let start = Instant::now();
    store
        .write(|tx| {
            for i in 1..=n {
                let at = t0() + Duration::minutes(i);
                let mut inc = Incident::new(
                    i,
                    format!("incident {i} on host{}", i % 997),
                    sevs[(i % 4) as usize],
                    cats[(i % 12) as usize],
                    "automation",
                    at,
                );
                inc.assign(Some(&format!("analyst{}", i % 20)), "lead", at);
                let state = states[(i % 9) as usize];
                if state != IncidentState::New {
                    inc.transition(state, "analyst", "progress", at + Duration::minutes(30))
                        .unwrap();
                }
                for k in 0..3 {
                    inc.add_alert(
                        &alert(i * 10 + k, "web01", &["attack.t1110"], Level::Medium, at),
                        "automation",
                        at,
                    );
                }
                store::save(tx, &inc, &p(), at + Duration::minutes(30))?;
            }
            Ok(())
        })
        .unwrap();
    println!("inserted {n} incidents in {:?}", start.elapsed());
    let time = |label: &str, f: &dyn Fn()| {
        let mut v: Vec<f64> = (0..20)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        v.sort_by(|a, b| a.total_cmp(b));
        println!("{label}: median {:.2} ms, p95 {:.2} ms", v[10], v[18]);
    };
    time("get_incident", &|| {
        store.get_incident(54_321, &p()).unwrap();
    });
    time("list default", &|| {
        store.list_incidents(&IncidentFilter::default()).unwrap();
    });
    time("list state+severity, sort due_resolve", &|| {
        store
            .list_incidents(&IncidentFilter {
                state: Some(IncidentState::Triage),
                severity: Some(Severity::High),
                sort: Some(IncidentSort::DueResolve),
                ..Default::default()
            })
            .unwrap();
    });
    time("list assignee, sort severity, offset 4000", &|| {
        store
            .list_incidents(&IncidentFilter {
                assignee: Some("analyst7".into()),
                sort: Some(IncidentSort::Severity),
                offset: Some(4000),
                ..Default::default()
            })
            .unwrap();
    });
    time("list q substring", &|| {
        store
            .list_incidents(&IncidentFilter {
                q: Some("host42".into()),
                ..Default::default()
            })
            .unwrap();
    });
    time("list open, created range", &|| {
        store
            .list_incidents(&IncidentFilter {
                open: Some(true),
                created_from: Some(m(20_000)),
                created_to: Some(m(60_000)),
                ..Default::default()
            })
            .unwrap();
    });
    let next_alert = std::sync::atomic::AtomicI64::new(9_000_000);
    time("group_alert (a fresh alert each time)", &|| {
        let id = next_alert.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = store.group_alert(
            &alert(id, "web01", &["attack.t1110"], Level::High, m(n - 10)),
            &GroupingConfig::default(),
            &p(),
            m(n),
        );
    });
    time("sweep_sla (nothing new after the first)", &|| {
        store.sweep_sla(&p(), m(n + 100_000)).unwrap();
    });
    time("incident_metrics", &|| {
        store.incident_metrics(m(0), m(n)).unwrap();
    });
}

#[test]
fn api_schemas_describe_the_json() {
    use utoipa::{IntoParams, PartialSchema};
    // The record is the incident (by reference) plus its own fields.
    let schema = serde_json::to_string(&IncidentRecord::schema()).unwrap();
    for field in ["#/components/schemas/Incident", "\"sla\"", "\"updated_at\""] {
        assert!(schema.contains(field), "{field} missing from {schema}");
    }
    let incident = serde_json::to_string(&steward_secops::Incident::schema()).unwrap();
    assert!(incident.contains("\"timeline\""), "{incident}");
    let sla = serde_json::to_string(&SlaStatus::schema()).unwrap();
    assert!(sla.contains("\"breaches\""), "{sla}");
    let params = IncidentFilter::into_params(|| None);
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    for n in [
        "state",
        "severity",
        "q",
        "created_from",
        "breached",
        "open",
        "sort",
        "order",
        "limit",
        "offset",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let kb = serde_json::to_string(&crate::kb::ArticleRecord::schema()).unwrap();
    assert!(kb.contains("\"source\""));
    assert_eq!(crate::kb::ArticleFilter::into_params(|| None).len(), 8);
}
