use super::*;
use crate::incidents::{NewIncident, TransitionInput};
use chrono::{Duration, TimeZone};
use steward_model::{Entities, Level};
use steward_secops::{AlertRef, IncidentState, Severity, SlaPolicy, TimelineKind};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
}

fn open_store() -> (tempfile::TempDir, ObjectStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = ObjectStore::open(&dir.path().join("objects.db")).unwrap();
    (dir, store)
}

fn input(slug: Option<&str>, lang: &str, category: &str, title: &str) -> ArticleInput {
    ArticleInput {
        slug: slug.map(str::to_owned),
        lang: lang.into(),
        category: category.into(),
        title: title.into(),
        tags: vec!["attack.t1110".into()],
        body: "## Summary\n\nText.".into(),
    }
}

fn brute_force_incident(store: &ObjectStore) -> i64 {
    let alert = AlertRef {
        id: 1,
        rule_id: "ssh-brute".into(),
        title: "SSH brute force".into(),
        level: Level::High,
        tags: vec!["attack.credential_access".into(), "attack.t1110.001".into()],
        entities: Entities {
            host: Some("web01".into()),
            ..Entities::default()
        },
        first_seen: t0(),
        last_seen: t0() + Duration::minutes(3),
    };
    let new = NewIncident {
        title: "SSH brute force on web01".into(),
        severity: Severity::High,
        category: None,
        description: None,
        alert_ids: vec![1],
        assignee: None,
    };
    store
        .create_incident(&new, &[alert], &SlaPolicy::default(), "alice", t0())
        .unwrap()
        .incident
        .id
}

#[test]
fn seeding_is_idempotent_and_lists_filter() {
    let (_d, store) = open_store();
    let builtin = steward_kb::builtin().unwrap();
    assert_eq!(store.seed_builtin_articles(t0()).unwrap(), builtin.len());
    assert_eq!(store.seed_builtin_articles(t0()).unwrap(), 0);
    let all = store.list_articles(&ArticleFilter::default()).unwrap();
    assert_eq!(all.total as usize, builtin.len());
    assert!(all.items.iter().all(|a| a.source == ArticleSource::Builtin));

    // A deleted starter article comes back on the next seeding; an edited one stays edited.
    let first = all.items[0].clone();
    store.delete_article(first.id).unwrap();
    let second = all.items[1].clone();
    let edited = ArticleInput {
        slug: None,
        lang: second.lang.clone(),
        category: "brute_force".into(),
        title: "Edited".into(),
        tags: vec![],
        body: "edited body".into(),
    };
    store
        .update_article(second.id, &edited, t0() + Duration::hours(1))
        .unwrap();
    assert_eq!(store.seed_builtin_articles(t0()).unwrap(), 1);
    let kept = store.get_article(second.id).unwrap();
    assert_eq!(
        (kept.title.as_str(), kept.slug.as_str()),
        ("Edited", second.slug.as_str())
    );
    assert_eq!(kept.updated_at, t0() + Duration::hours(1));

    let zh = store
        .list_articles(&ArticleFilter {
            lang: Some("zh".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        zh.total as usize,
        builtin.iter().filter(|a| a.lang == "zh").count()
    );
    let bf = store
        .list_articles(&ArticleFilter {
            category: Some("brute_force".into()),
            lang: Some("en".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(bf.total >= 1);
    assert!(bf.items.iter().all(|a| a.lang == "en"));
    let q = store
        .list_articles(&ArticleFilter {
            q: Some("edited BODY".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(q.total, 1);
    let paged = store
        .list_articles(&ArticleFilter {
            limit: Some(3),
            offset: Some(2),
            sort: Some(ArticleSort::Id),
            order: Some(SortOrder::Desc),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (paged.items.len(), paged.total as usize),
        (3, builtin.len())
    );
    assert!(paged.items[0].id > paged.items[1].id);
    let manual = store
        .list_articles(&ArticleFilter {
            source: Some(ArticleSource::Manual),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(manual.total, 0);
    for bad in [
        ArticleFilter {
            lang: Some("fr".into()),
            ..Default::default()
        },
        ArticleFilter {
            category: Some("brute-force".into()),
            ..Default::default()
        },
    ] {
        assert!(
            matches!(store.list_articles(&bad), Err(ObjectError::Invalid { .. })),
            "{bad:?} is a typo, not an empty list"
        );
    }
}

#[test]
fn manual_articles_create_update_delete() {
    let (_d, store) = open_store();
    let a = store
        .create_article(
            &input(None, "en", "brute_force", "RDP password spraying"),
            t0(),
        )
        .unwrap();
    assert_eq!(a.slug, "rdp-password-spraying");
    assert_eq!(a.source, ArticleSource::Manual);
    assert_eq!(store.get_article(a.id).unwrap(), a);
    // The same topic may exist once per language.
    let zh = store
        .create_article(
            &input(
                Some("rdp-password-spraying"),
                "zh",
                "brute_force",
                "RDP 密码喷洒",
            ),
            t0(),
        )
        .unwrap();
    assert_eq!(zh.slug, a.slug);
    assert!(matches!(
        store.create_article(
            &input(None, "en", "brute_force", "RDP password spraying"),
            t0()
        ),
        Err(ObjectError::Conflict { .. })
    ));
    let cn = store
        .create_article(&input(None, "zh", "mining", "挖矿处置"), t0())
        .unwrap();
    assert!(cn.slug.starts_with("article-"));

    let invalid = |i: ArticleInput, field: &str| match store.create_article(&i, t0()) {
        Err(ObjectError::Invalid { field: f, .. }) => assert_eq!(f, field),
        other => panic!("{other:?}"),
    };
    invalid(input(None, "fr", "mining", "x"), "lang");
    invalid(input(None, "en", "bogus", "x"), "category");
    store
        .create_article(
            &input(None, "en", "web_attack", "SQL injection on the portal"),
            t0(),
        )
        .unwrap();
    invalid(input(None, "en", "mining", " "), "title");
    invalid(input(Some("Bad Slug"), "en", "mining", "x"), "slug");
    let mut empty_body = input(None, "en", "mining", "x");
    empty_body.body = "  ".into();
    invalid(empty_body, "body");
    assert!(serde_json::from_str::<ArticleInput>(
        r#"{"lang":"en","category":"mining","title":"t","body":"b","source":"builtin"}"#
    )
    .is_err());

    let mut changed = input(Some("rdp-spraying"), "en", "intrusion", "RDP spraying");
    changed.tags = vec!["attack.t1110.003".into()];
    let u = store
        .update_article(a.id, &changed, t0() + Duration::minutes(1))
        .unwrap();
    assert_eq!(
        (u.slug.as_str(), u.category.as_str(), u.created_at),
        ("rdp-spraying", "intrusion", t0())
    );
    assert_eq!(u.tags, vec!["attack.t1110.003".to_string()]);
    // Taking the slug of another article in the same language is a conflict.
    let clash = input(Some("rdp-spraying"), "en", "mining", "y");
    let other = store
        .create_article(&input(None, "en", "mining", "Miner on build host"), t0())
        .unwrap();
    assert!(matches!(
        store.update_article(other.id, &clash, t0()),
        Err(ObjectError::Conflict { .. })
    ));
    assert!(matches!(
        store.update_article(999, &clash, t0()),
        Err(ObjectError::NotFound { .. })
    ));

    store.delete_article(a.id).unwrap();
    assert!(matches!(
        store.get_article(a.id),
        Err(ObjectError::NotFound {
            kind: "article",
            ..
        })
    ));
    assert!(matches!(
        store.delete_article(a.id),
        Err(ObjectError::NotFound { .. })
    ));
}

#[test]
fn suggestions_for_a_brute_force_incident() {
    let (_d, store) = open_store();
    store.seed_builtin_articles(t0()).unwrap();
    let id = brute_force_incident(&store);
    let en = store.suggest_articles(id, "en").unwrap();
    assert!(!en.is_empty());
    assert_eq!(en[0].category, "brute_force");
    assert_eq!(en[0].lang, "en");
    // One language per topic.
    let mut slugs: Vec<&str> = en.iter().map(|a| a.slug.as_str()).collect();
    let n = slugs.len();
    slugs.dedup();
    assert_eq!(slugs.len(), n);
    let zh = store.suggest_articles(id, "zh").unwrap();
    assert_eq!(zh[0].category, "brute_force");
    assert_eq!(zh[0].lang, "zh");
    assert!(matches!(
        store.suggest_articles(id, "de"),
        Err(ObjectError::Invalid { .. })
    ));
    assert!(matches!(
        store.suggest_articles(999, "en"),
        Err(ObjectError::NotFound { .. })
    ));
}

#[test]
fn lessons_only_after_closing() {
    let (_d, store) = open_store();
    let id = brute_force_incident(&store);
    let lessons = LessonsInput {
        lessons: "Enforce key-only SSH on internet-facing hosts.".into(),
        lang: Some("en".into()),
    };
    match store.lessons_to_article(id, &lessons, "carol", t0()) {
        Err(ObjectError::Conflict { allowed, .. }) => {
            assert!(allowed.contains(&"closed".to_string()))
        }
        other => panic!("{other:?}"),
    }
    let policy = SlaPolicy::default();
    store
        .transition_incident(
            id,
            &TransitionInput {
                to: IncidentState::Closed,
                reason: "blocked source".into(),
            },
            &policy,
            "carol",
            t0() + Duration::hours(2),
        )
        .unwrap();
    let art = store
        .lessons_to_article(id, &lessons, "carol", t0() + Duration::hours(3))
        .unwrap();
    assert_eq!(art.source, ArticleSource::Lessons);
    assert_eq!(art.incident_id, Some(id));
    assert_eq!(art.category, "brute_force");
    assert!(art.body.contains("key-only SSH"));
    assert!(art.slug.starts_with("lessons-brute_force-"));
    let inc = store.get_incident(id, &policy).unwrap();
    let last = inc.incident.timeline.last().unwrap();
    assert_eq!(last.actor, "carol");
    match &last.kind {
        TimelineKind::Comment { text } => assert!(text.contains(&art.id.to_string()), "{text}"),
        k => panic!("{k:?}"),
    }
    // Writing lessons again replaces the same article.
    let again = store
        .lessons_to_article(
            id,
            &LessonsInput {
                lessons: "Also rate-limit.".into(),
                lang: Some("en".into()),
            },
            "carol",
            t0() + Duration::hours(4),
        )
        .unwrap();
    assert_eq!(again.id, art.id);
    assert!(again.body.contains("rate-limit"));
    let zh = store
        .lessons_to_article(
            id,
            &LessonsInput {
                lessons: "禁用口令登录".into(),
                lang: None,
            },
            "carol",
            t0(),
        )
        .unwrap();
    assert_eq!(zh.lang, "zh");
    assert!(matches!(
        store.lessons_to_article(
            id,
            &LessonsInput {
                lessons: "x".into(),
                lang: Some("fr".into())
            },
            "c",
            t0()
        ),
        Err(ObjectError::Invalid { .. })
    ));
}
