use super::common::*;
use serde_json::json;
use steward_model::{Event, Level};

fn ransom() -> steward_behaviour::Behaviours {
    engine(|c| c.ransomware.enabled = true)
}

fn process_start(secs: f64, host: &str, command_line: &str) -> Event {
    event(json!({
        "@timestamp": ts(secs),
        "event": {"category": ["process"], "type": ["start"], "code": "4688"},
        "host": {"name": host},
        "process": {"command_line": command_line, "pid": 4100},
        "winlog": {"event_id": 4688, "channel": "Security"},
    }))
}

/// An endpoint rename event: `from` became `to`.
fn rename(secs: f64, host: &str, pid: u32, exe: &str, from: &str, to: &str) -> Event {
    let ext = to.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    event(json!({
        "@timestamp": ts(secs),
        "event": {"category": ["file"], "type": ["change"], "action": "rename"},
        "host": {"name": host},
        "process": {"pid": pid, "executable": exe},
        "file": {"path": to, "extension": ext, "Ext": {"original": {"path": from}}},
    }))
}

fn delete(secs: f64, host: &str, pid: u32, path: &str) -> Event {
    event(json!({
        "@timestamp": ts(secs),
        "event": {"category": "file", "type": "deletion", "action": "deleted"},
        "host": {"name": host},
        "process": {"pid": pid, "name": "robocopy.exe"},
        "file": {"path": path},
    }))
}

#[test]
fn shadow_copy_deletion_is_reported_once_per_host() {
    let mut b = ransom();
    let events = vec![
        process_start(
            0.0,
            "fs01",
            "\"C:\\Windows\\system32\\vssadmin.exe\" Delete Shadows /All /Quiet",
        ),
        process_start(2.0, "fs01", "wmic.exe shadowcopy delete /nointeractive"),
        process_start(
            3.0,
            "fs02",
            "cmd.exe /c bcdedit /set {default} recoveryenabled No",
        ),
        process_start(4.0, "fs02", "vssadmin list shadows"),
    ];
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].rule_id, "behaviour.ransomware");
    assert_eq!(variant(&found[0]), "inhibit_recovery");
    assert_eq!(found[0].level, Level::High);
    assert!(found[0].tags.contains(&"attack.t1490".to_owned()));
    assert_eq!(
        found[0].details["technique"],
        json!("vssadmin delete shadows")
    );
    assert_eq!(found[1].entities.host.as_deref(), Some("fs02"));
    assert_eq!(
        found[1].details["technique"],
        json!("bcdedit recoveryenabled no")
    );
}

#[test]
fn encryption_run_fires_unusual_extension_then_mass_activity() {
    let mut b = ransom();
    let exe = "C:\\Users\\Public\\svch0st.exe";
    let events: Vec<_> = (0..300)
        .map(|i| {
            let from = format!("C:\\Shares\\Finance\\report-{i}.docx");
            let to = format!("{from}.kraken");
            rename(i as f64 * 0.13, "fs01", 4242, exe, &from, &to)
        })
        .collect();
    let found = run(&mut b, &events);
    let kinds: Vec<_> = found.iter().map(|d| (variant(d), d.level)).collect();
    assert_eq!(
        kinds,
        vec![
            ("unusual_extension", Level::High),
            ("mass_file_activity", Level::Medium)
        ],
        "{found:#?}"
    );
    assert_eq!(found[0].details["files"], json!(20));
    assert_eq!(found[0].details["extension"], json!("kraken"));
    assert!(found[0].tags.contains(&"attack.t1486".to_owned()));
    assert_eq!(found[1].details["files"], json!(200));
    assert!(found[1].title.contains("svch0st.exe"), "{}", found[1].title);
}

#[test]
fn near_misses_stay_quiet() {
    let mut b = ransom();
    let mut events = Vec::new();
    // A clean-up job deletes 150 old files in a minute (threshold 200).
    events
        .extend((0..150).map(|i| delete(i as f64 * 0.3, "bk01", 77, &format!("D:\\old\\{i}.bak"))));
    // Another deletes 400 files, but over 20 minutes.
    events
        .extend((0..400).map(|i| delete(i as f64 * 3.0, "bk02", 78, &format!("D:\\old\\{i}.bak"))));
    // An editor saves 100 files via temporary names (renames to common extensions).
    events.extend((0..100).map(|i| {
        let tmp = format!("/home/a/src/{i}.rs.tmp");
        rename(
            i as f64 * 0.1,
            "dev1",
            900,
            "/usr/bin/code",
            &tmp,
            &format!("/home/a/src/{i}.rs"),
        )
    }));
    // A user renames 19 photos to an odd extension: one short of the threshold.
    events.extend((0..19).map(|i| {
        let from = format!("/home/b/p{i}.jpg");
        rename(
            i as f64,
            "dev2",
            901,
            "/usr/bin/nautilus",
            &from,
            &format!("{from}.x1"),
        )
    }));
    assert!(run(&mut b, &events).is_empty(), "{:#?}", b.stats());
}

#[test]
fn unusual_renames_are_counted_per_process() {
    let mut b = ransom();
    let events: Vec<_> = (0..30)
        .map(|i| {
            let pid = 500 + (i % 2);
            let from = format!("/srv/data/f{i}.pdf");
            rename(
                i as f64,
                "nas1",
                pid,
                "/usr/bin/python3",
                &from,
                &format!("{from}.qwx"),
            )
        })
        .collect();
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn known_ransom_extensions_on_created_files_and_config() {
    let mut b = engine(|c| {
        c.ransomware.enabled = true;
        c.ransomware.unusual_renames = 5;
        c.ransomware.extra_ransom_extensions = vec![".kraken".into()];
        c.ransomware.shadow_copy_deletion = false;
    });
    let mut events: Vec<_> = (0..5)
        .map(|i| {
            event(json!({
                "@timestamp": ts(i as f64),
                "event": {"category": ["file"], "type": ["creation"]},
                "host": {"name": "pc9"},
                "process": {"name": "x.exe"},
                "file": {"path": format!("C:\\data\\{i}.xlsx.KRAKEN")},
            }))
        })
        .collect();
    events.push(process_start(9.0, "pc9", "vssadmin delete shadows /all"));
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(variant(&found[0]), "unusual_extension");
}
