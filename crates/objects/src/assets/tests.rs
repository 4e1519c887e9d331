use super::*;
use chrono::TimeZone;
use steward_secops::asset::{AssetObservation, ObservedVia};

fn store() -> (tempfile::TempDir, ObjectStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = ObjectStore::open(&dir.path().join("objects.db")).unwrap();
    (dir, s)
}

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, h, 0, 0).unwrap()
}

fn input(name: &str, ips: &[&str]) -> AssetInput {
    let mut i = AssetInput::new(AssetKind::Server, name);
    i.ips = ips.iter().map(|s| s.to_string()).collect();
    i
}

#[test]
fn crud_round_trip() {
    let (_d, s) = store();
    let mut i = input("db01", &["10.0.0.1", "::ffff:10.0.0.2"]);
    i.macs = vec!["00-1A-2B-3C-4D-5E".into()];
    i.confidentiality = Some(5);
    i.integrity = Some(1);
    i.availability = Some(1);
    i.tags = vec!["pci".into(), " pci ".into()];
    let a = s.create_asset(&i, AssetSource::Manual, t(1)).unwrap();
    assert_eq!(a.ips, vec!["10.0.0.1", "10.0.0.2"]);
    assert_eq!(a.macs, vec!["00:1a:2b:3c:4d:5e"]);
    assert_eq!(a.criticality, 4);
    assert_eq!(a.tags, vec!["pci"]);
    assert!(a.approved);
    assert_eq!(a.source, AssetSource::Manual);
    assert_eq!(s.get_asset(a.id).unwrap(), a);

    let mut j = input("db01-renamed", &["10.0.0.3"]);
    j.os = Some("Linux".into());
    let b = s.update_asset(a.id, &j, t(2)).unwrap();
    assert_eq!(b.name, "db01-renamed");
    assert_eq!(b.ips, vec!["10.0.0.3"]);
    assert_eq!(b.criticality, 3);
    assert_eq!(b.created_at, t(1));
    assert_eq!(b.updated_at, t(2));
    assert_eq!(b.source, AssetSource::Manual);
    // The released addresses are free again.
    s.create_asset(&input("other", &["10.0.0.1"]), AssetSource::Manual, t(3))
        .unwrap();

    s.delete_asset(a.id).unwrap();
    assert!(matches!(
        s.get_asset(a.id),
        Err(ObjectError::NotFound { kind: "asset", .. })
    ));
    assert!(matches!(
        s.delete_asset(a.id),
        Err(ObjectError::NotFound { .. })
    ));
    // Deleting frees its address too.
    s.create_asset(&input("again", &["10.0.0.3"]), AssetSource::Manual, t(4))
        .unwrap();
}

#[test]
fn validation_and_conflicts() {
    let (_d, s) = store();
    let bad = |i: &AssetInput, field: &str| match s.create_asset(i, AssetSource::Manual, t(1)) {
        Err(ObjectError::Invalid { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected invalid {field}, got {other:?}"),
    };
    bad(&input("  ", &[]), "name");
    bad(&input(&"x".repeat(201), &[]), "name");
    bad(&input("a", &["10.0.0.300"]), "ips");
    let mut i = input("a", &[]);
    i.macs = vec!["zz:zz".into()];
    bad(&i, "macs");
    let mut i = input("a", &[]);
    i.availability = Some(6);
    bad(&i, "availability");
    let a = s
        .create_asset(&input("a", &["10.0.0.1"]), AssetSource::Manual, t(1))
        .unwrap();
    assert!(matches!(
        s.create_asset(&input("b", &["10.0.0.1"]), AssetSource::Manual, t(1)),
        Err(ObjectError::Conflict { .. })
    ));
    // The failed create stored nothing.
    assert_eq!(s.list_assets(&AssetFilter::default()).unwrap().total, 1);
    // Keeping its own address on update is no conflict.
    s.update_asset(a.id, &input("a2", &["10.0.0.1"]), t(2))
        .unwrap();
    let json = r#"{"kind":"server","name":"x","colour":"red"}"#;
    assert!(serde_json::from_str::<AssetInput>(json).is_err());
    let json = r#"{"kind":"network_device","name":"x"}"#;
    let i: AssetInput = serde_json::from_str(json).unwrap();
    assert_eq!(i.kind, AssetKind::NetworkDevice);
}

#[test]
fn filters_sort_and_paging() {
    let (_d, s) = store();
    for n in 0..12u8 {
        let mut i = input(&format!("host-{n:02}"), &[&format!("10.0.1.{n}")]);
        i.kind = if n % 2 == 0 {
            AssetKind::Server
        } else {
            AssetKind::Workstation
        };
        i.confidentiality = Some(1 + n % 5);
        i.hostnames = vec![format!("h{n}.corp.example")];
        if n % 3 == 0 {
            i.tags = vec!["dmz".into()];
        }
        i.approved = Some(n != 5);
        s.create_asset(&i, AssetSource::Manual, t(1)).unwrap();
    }
    let list = |f: AssetFilter| s.list_assets(&f).unwrap();
    let all = list(AssetFilter::default());
    assert_eq!(all.total, 12);
    assert_eq!(all.items[0].name, "host-00");
    let servers = list(AssetFilter {
        kind: Some(AssetKind::Server),
        ..Default::default()
    });
    assert_eq!(servers.total, 6);
    assert!(servers.items.iter().all(|a| a.kind == AssetKind::Server));
    let q = list(AssetFilter {
        q: Some("h7.corp".into()),
        ..Default::default()
    });
    assert_eq!(q.total, 1);
    assert_eq!(
        list(AssetFilter {
            q: Some("10.0.1.1".into()),
            ..Default::default()
        })
        .total,
        3
    );
    assert_eq!(
        list(AssetFilter {
            q: Some("%".into()),
            ..Default::default()
        })
        .total,
        0
    );
    let by_ip = list(AssetFilter {
        ip: Some("10.0.1.4".into()),
        ..Default::default()
    });
    assert_eq!(by_ip.items[0].name, "host-04");
    assert_eq!(
        list(AssetFilter {
            tag: Some("dmz".into()),
            ..Default::default()
        })
        .total,
        4
    );
    let shadow = list(AssetFilter {
        approved: Some(false),
        ..Default::default()
    });
    assert_eq!(shadow.items.len(), 1);
    assert_eq!(shadow.items[0].name, "host-05");
    let crit = list(AssetFilter {
        min_criticality: Some(4),
        ..Default::default()
    });
    assert!(crit.items.iter().all(|a| a.criticality >= 4));
    assert!(crit.total > 0);
    let src = list(AssetFilter {
        source: Some(AssetSource::Csv),
        ..Default::default()
    });
    assert_eq!(src.total, 0);

    let page = list(AssetFilter {
        sort: Some(AssetSort::Name),
        order: Some(SortOrder::Desc),
        limit: Some(5),
        offset: Some(10),
        ..Default::default()
    });
    assert_eq!(page.total, 12);
    let names: Vec<_> = page.items.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["host-01", "host-00"]);
    let by_crit = list(AssetFilter {
        sort: Some(AssetSort::Criticality),
        order: Some(SortOrder::Desc),
        ..Default::default()
    });
    assert!(by_crit
        .items
        .windows(2)
        .all(|w| w[0].criticality >= w[1].criticality));

    let ids: Vec<i64> = all.items.iter().take(3).map(|a| a.id).collect();
    let got = s.assets_by_ids(&[ids[2], ids[0], 9999]).unwrap();
    assert_eq!(
        got.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );

    let approved = s.approve_asset(shadow.items[0].id, t(5)).unwrap();
    assert!(approved.approved);
    assert!(matches!(
        s.approve_asset(9999, t(5)),
        Err(ObjectError::NotFound { .. })
    ));
}

const GOOD_CSV: &str = "name,kind,ips,confidentiality,tags,owner\n\
    web01,server,10.2.0.1;10.2.0.2,5,dmz;pci,alice\n\
    \"ws, finance\",workstation,,,,\n\
    fw,network_device,10.2.0.254,,,\n";

#[test]
fn csv_import_upserts_and_export_round_trips() {
    let (_d, s) = store();
    let sum = s.import_assets_csv(GOOD_CSV.as_bytes(), t(1)).unwrap();
    assert_eq!(
        sum,
        CsvImportSummary {
            created: 3,
            updated: 0
        }
    );
    let web = &s
        .list_assets(&AssetFilter {
            q: Some("web01".into()),
            ..Default::default()
        })
        .unwrap()
        .items[0];
    assert_eq!(web.ips, vec!["10.2.0.1", "10.2.0.2"]);
    assert_eq!(web.tags, vec!["dmz", "pci"]);
    assert_eq!(web.owner.as_deref(), Some("alice"));
    assert_eq!(web.source, AssetSource::Csv);
    assert!(web.approved);

    // Upsert by name without case; columns absent from the file keep their values.
    let sum = s
        .import_assets_csv(b"KIND,name,location\nserver,WEB01,room 1\n", t(2))
        .unwrap();
    assert_eq!(
        sum,
        CsvImportSummary {
            created: 0,
            updated: 1
        }
    );
    let web2 = s.get_asset(web.id).unwrap();
    assert_eq!(web2.name, "WEB01");
    assert_eq!(web2.location.as_deref(), Some("room 1"));
    assert_eq!(web2.owner.as_deref(), Some("alice"));
    assert_eq!(web2.ips, web.ips);

    let exported = s
        .export_assets_csv(&AssetFilter {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert!(exported.starts_with("kind,name,ips,hostnames,macs,os,owner,"));
    assert_eq!(exported.lines().count(), 4, "{exported}");
    let (_d2, s2) = store();
    assert_eq!(
        s2.import_assets_csv(exported.as_bytes(), t(3))
            .unwrap()
            .created,
        3
    );
    let strip = |a: &AssetRecord| {
        (
            a.kind,
            a.name.clone(),
            a.ips.clone(),
            a.owner.clone(),
            a.location.clone(),
            a.tags.clone(),
            a.criticality,
        )
    };
    let one: Vec<_> = s
        .list_assets(&AssetFilter::default())
        .unwrap()
        .items
        .iter()
        .map(strip)
        .collect();
    let two: Vec<_> = s2
        .list_assets(&AssetFilter::default())
        .unwrap()
        .items
        .iter()
        .map(strip)
        .collect();
    assert_eq!(one, two);
    // Re-importing the export into the source store only updates.
    assert_eq!(
        s.import_assets_csv(exported.as_bytes(), t(4)).unwrap(),
        CsvImportSummary {
            created: 0,
            updated: 3
        }
    );
}

#[test]
fn csv_bad_row_names_its_line_and_stores_nothing() {
    let (_d, s) = store();
    let cases: [(&str, u64); 6] = [
        ("name,kind\na,server\nb,spaceship\n", 3),
        ("name,kind,ips\na,server,10.0.0.1\n\nb,server,10.0.0.x\n", 4),
        ("name,kind,ips\na,server,10.0.0.1\nb,server,10.0.0.1\n", 3),
        ("name,kind,integrity\na,server,9\n", 2),
        ("name,kind,colour\na,server,red\n", 1),
        ("name,ips\na,10.0.0.1\n", 1),
    ];
    for (text, line) in cases {
        match s.import_assets_csv(text.as_bytes(), t(1)) {
            Err(ObjectError::Csv { line: l, message }) => assert_eq!(l, line, "{text}: {message}"),
            other => panic!("{text}: expected a CSV error, got {other:?}"),
        }
        assert_eq!(
            s.list_assets(&AssetFilter::default()).unwrap().total,
            0,
            "{text}"
        );
    }
    assert!(matches!(
        s.import_assets_csv(b"name,kind\na,server,extra\n", t(1)),
        Err(ObjectError::Csv { line: 2, .. })
    ));
}

#[test]
fn csv_with_bom_and_chinese_kind_labels() {
    let (_d, s) = store();
    let text = "\u{feff}name,kind\n\"core-sw\",网络设备\nweb,server\n";
    let sum = s.import_assets_csv(text.as_bytes(), t(1)).unwrap();
    assert_eq!(sum.created, 2);
    let sw = s
        .list_assets(&AssetFilter {
            kind: Some(AssetKind::NetworkDevice),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(sw.items[0].name, "core-sw");
}

fn obs(ip: &str, host: Option<&str>, os: Option<&str>, at: DateTime<Utc>) -> AssetObservation {
    AssetObservation {
        ip: ip.parse().unwrap(),
        hostname: host.map(str::to_owned),
        mac: Some("AA-BB-CC-DD-EE-01".into()),
        os: os.map(str::to_owned),
        seen_at: at,
        source: ObservedVia::Source,
    }
}

#[test]
fn observe_creates_shadow_once_then_updates() {
    let (_d, s) = store();
    let known = s
        .create_asset(&input("db", &["10.3.0.1"]), AssetSource::Manual, t(1))
        .unwrap();
    let created = s
        .observe_assets(&[
            obs("10.3.0.1", Some("db.corp"), Some("Linux"), t(2)),
            obs("10.3.0.9", None, None, t(2)),
            obs("10.3.0.9", Some("rogue"), None, t(3)),
            obs("10.3.0.10", Some("dc01"), Some("Windows Server 2019"), t(2)),
        ])
        .unwrap();
    assert_eq!(created.len(), 2);
    let rogue = created.iter().find(|a| a.ips == ["10.3.0.9"]).unwrap();
    assert_eq!(rogue.name, "rogue");
    assert!(!rogue.approved);
    assert_eq!(rogue.source, AssetSource::Discovered);
    assert_eq!(rogue.kind, AssetKind::Workstation);
    assert_eq!(rogue.last_seen, Some(t(3)));
    assert_eq!(rogue.macs, vec!["aa:bb:cc:dd:ee:01"]);
    let dc = created.iter().find(|a| a.name == "dc01").unwrap();
    assert_eq!(dc.kind, AssetKind::Server);
    let db = s.get_asset(known.id).unwrap();
    assert_eq!(db.last_seen, Some(t(2)));
    assert_eq!(db.hostnames, vec!["db.corp"]);
    assert_eq!(db.os.as_deref(), Some("Linux"));
    assert!(db.approved);

    // Seen again: nothing new, last seen only moves forward, details already known stay.
    let again = s
        .observe_assets(&[
            obs("10.3.0.9", Some("other-name"), None, t(5)),
            obs("10.3.0.1", None, None, t(1)),
        ])
        .unwrap();
    assert!(again.is_empty());
    let rogue2 = s.get_asset(rogue.id).unwrap();
    assert_eq!(rogue2.last_seen, Some(t(5)));
    assert_eq!(rogue2.first_seen, Some(t(2)));
    assert_eq!(rogue2.hostnames, vec!["rogue"]);
    assert_eq!(s.get_asset(known.id).unwrap().last_seen, Some(t(2)));
    assert_eq!(s.list_assets(&AssetFilter::default()).unwrap().total, 3);

    let index = s.asset_index().unwrap();
    assert_eq!(index.len(), 3);
    assert_eq!(
        index.lookup("::ffff:10.3.0.9".parse().unwrap()),
        Some(rogue.id)
    );
    assert_eq!(index.lookup("10.9.9.9".parse().unwrap()), None);
}

#[test]
fn observe_thousands_in_one_batch() {
    let (_d, s) = store();
    let batch: Vec<_> = (0..5000u32)
        .map(|n| {
            obs(
                &format!("10.{}.{}.{}", n >> 16, (n >> 8) & 255, n & 255),
                None,
                None,
                t(1),
            )
        })
        .collect();
    let start = std::time::Instant::now();
    let created = s.observe_assets(&batch).unwrap();
    let first = start.elapsed();
    let start = std::time::Instant::now();
    assert!(s.observe_assets(&batch).unwrap().is_empty());
    println!(
        "observe_assets: 5000 new in {first:?}, 5000 known in {:?}",
        start.elapsed()
    );
    assert_eq!(created.len(), 5000);
}
