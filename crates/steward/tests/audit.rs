//! The site's audit log through the real binary: the first start and a rule reload are
//! recorded; `steward admin audit verify` passes on the untouched log and names the
//! entry after an edit made behind the site's back.

mod common;

use common::Site;
use std::process::Command;
use std::time::{Duration, Instant};

fn admin(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_steward"))
        .arg("admin")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn audit_log_records_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let config = dir.path().join("site.toml");
    std::fs::write(
        &config,
        format!(
            "[detect]\nrules = [{:?}]\nreload_secs = 1\n",
            rules.display().to_string()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let mut site = Site::new(&data)
        .with_args(&["--config", config.to_str().unwrap()])
        .start();
    std::fs::write(
        rules.join("r.yml"),
        "title: t\nid: 00000000-0000-4000-8000-0000000000cc\ndetection:\n  s: {A: 1}\n  condition: s\n",
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while site.metric("steward_detect_reloads_total") < 1.0 {
        assert!(Instant::now() < deadline, "no reload");
        std::thread::sleep(Duration::from_millis(200));
    }
    site.terminate();

    let d = data.to_str().unwrap();
    let (ok, out) = admin(&["audit", "verify", "--data", d]);
    assert!(ok, "{out}");
    assert!(out.contains("intact"), "{out}");
    let (ok, out) = admin(&["audit", "export", "--data", d]);
    assert!(ok, "{out}");
    let actions: Vec<String> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["action"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        actions,
        vec!["account.bootstrap", "detect.rules.reload"],
        "{out}"
    );

    // Someone edits the first entry directly in the database.
    let conn = rusqlite::Connection::open(data.join("audit.db")).unwrap();
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in triggers {
        conn.execute(&format!("DROP TRIGGER \"{t}\""), []).unwrap();
    }
    conn.execute("UPDATE entries SET actor = 'mallory' WHERE seq = 1", [])
        .unwrap();
    drop(conn);
    let (ok, out) = admin(&["audit", "verify", "--data", d]);
    assert!(!ok, "{out}");
    assert!(out.contains("seq=1"), "{out}");
}
