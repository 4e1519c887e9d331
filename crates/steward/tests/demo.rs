//! `steward demo` starts a working site and feeds it every supported format through the
//! real listeners; a second start reuses the data.

mod common;

use common::{free_port, get};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn start_demo(data: &std::path::Path, http: u16, tcp: u16, udp: u16) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["demo", "--rate", "200", "--data"])
        .arg(data)
        .args(["--http", &format!("127.0.0.1:{http}")])
        .args(["--syslog-tcp", &format!("127.0.0.1:{tcp}")])
        .args(["--syslog-udp", &format!("127.0.0.1:{udp}")])
        .args(["--syslog-tls", "off"])
        .env_remove("STEWARD_BOOTSTRAP_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start steward demo")
}

fn count(http: u16, token: &str, q: &str) -> i64 {
    let addr = format!("127.0.0.1:{http}").parse().unwrap();
    let path = format!("/api/v1/events?q={}&from=now-1h&limit=0", common::encode(q));
    match get(addr, &path, Some(token)) {
        Ok((200, body)) => serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"]
            .as_i64()
            .unwrap(),
        _ => -1,
    }
}

#[test]
fn demo_generates_every_format_and_restarts_on_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let (http, tcp, udp) = (free_port(), free_port(), free_port());
    let mut child = start_demo(&data, http, tcp, udp);
    let token_file = data.join("bootstrap.token");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !token_file.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let token = std::fs::read_to_string(&token_file)
        .expect("demo wrote its token")
        .trim()
        .to_owned();
    // The demo's BSD-syslog lines are sshd logins, which the system_auth device family
    // claims from the generic rfc3164 parser.
    let parsers = ["rfc5424", "system_auth", "cef", "leef", "json", "kv"];
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut missing: Vec<&str> = parsers.to_vec();
    while !missing.is_empty() && Instant::now() < deadline {
        missing.retain(|p| count(http, &token, &format!("steward.parser:{p}")) <= 0);
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(missing.is_empty(), "no demo events parsed by {missing:?}");
    assert_eq!(
        count(http, &token, "error.message:*"),
        0,
        "demo traffic must parse cleanly"
    );
    // The demo's attackers guess SSH passwords: detection turns that into alerts (the
    // built-in correlation and the brute-force model), searchable as events.
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(http, &token, "event.kind:alert") <= 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        count(http, &token, "event.kind:alert") > 0,
        "the demo raises alerts"
    );
    let before = count(http, &token, "");
    let _ = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "demo stops cleanly on Ctrl-C: {status}");

    let mut child = start_demo(&data, http, tcp, udp);
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(http, &token, "") <= before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        count(http, &token, "") > before,
        "the restarted demo reuses the data and the token"
    );
    let _ = child.kill();
    let _ = child.wait();
}
