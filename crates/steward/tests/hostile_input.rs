//! Malformed and hostile input is counted and never crashes the site or blocks other
//! clients: binary garbage, invalid UTF-8, a 1 MiB line, a truncated octet frame, a
//! slow-loris client and thousands of idle connections.

mod common;

use common::{now_5424, post, run_id, Site, TOKEN};
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn garbage_is_kept_flagged_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut site = Site::new(&dir.path().join("data")).start();
    let run = run_id();

    // Binary garbage and invalid UTF-8 over TCP, then a normal line on the same stream.
    let mut tcp = TcpStream::connect(site.tcp).unwrap();
    let mut garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    garbage.retain(|b| *b != b'\n');
    garbage.push(b'\n');
    tcp.write_all(&garbage).unwrap();
    tcp.write_all(format!("<13>1 {} h app - - - {run}nul\u{0}byte\n", now_5424()).as_bytes())
        .unwrap();
    tcp.write_all(b"<13>1 - badutf8 app - - - ").unwrap();
    tcp.write_all(&[0xff, 0xfe, 0xc3, 0x28]).unwrap();
    tcp.write_all(format!(" {run}invalidutf8\n").as_bytes())
        .unwrap();

    // A 1 MiB line: cut at the 64 KiB default, flagged, the rest skipped.
    let mut big = format!("<13>1 {} bighost app - - - {run}big ", now_5424()).into_bytes();
    big.resize(1024 * 1024, b'A');
    big.push(b'\n');
    tcp.write_all(&big).unwrap();
    tcp.write_all(format!("<13>1 {} h app - - - {run}afterbig\n", now_5424()).as_bytes())
        .unwrap();
    drop(tcp);

    // A truncated octet-counted frame: the connection closes 40 bytes into a 500-byte frame.
    let mut cut = TcpStream::connect(site.tcp).unwrap();
    cut.write_all(format!("500 <13>1 - cuthost app - - - {run}cut").as_bytes())
        .unwrap();
    drop(cut);

    // Garbage datagrams.
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(&[0u8, 1, 2, 255, 254, 10, 13], site.udp)
        .unwrap();
    udp.send_to(
        format!("\u{feff}<999>bogus {run}udpbad").as_bytes(),
        site.udp,
    )
    .unwrap();

    assert_eq!(site.wait_for(&format!("{run}invalidutf8"), 1, WAIT), 1);
    assert_eq!(
        site.wait_for(&format!("{run}afterbig"), 1, WAIT),
        1,
        "the stream goes on after a huge line"
    );
    assert_eq!(
        site.wait_for(&format!("{run}big AND tags:steward.truncated"), 1, WAIT),
        1
    );
    let big_doc = &site.search(&format!("{run}big"), 1)[0];
    let original = big_doc["event"]["original"].as_str().unwrap();
    assert!(
        original.len() <= 64 * 1024 && original.len() > 60 * 1024,
        "cut at 64 KiB: {}",
        original.len()
    );
    assert_eq!(
        site.wait_for(&format!("{run}cut AND tags:steward.truncated"), 1, WAIT),
        1,
        "a cut frame is kept"
    );
    assert_eq!(site.wait_for(&format!("{run}udpbad"), 1, WAIT), 1);
    let bad_utf8 = &site.search(&format!("{run}invalidutf8"), 1)[0];
    assert!(
        bad_utf8["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "steward.invalid_utf8"),
        "{bad_utf8}"
    );
    assert!(site.metric("steward_ingest_truncated_total{listener=\"syslog-tcp\"}") >= 2.0);
    assert!(site.metric("steward_ingest_framing_errors_total{listener=\"syslog-tcp\"}") >= 1.0);
    assert!(site.is_running());
}

#[test]
fn slow_and_idle_clients_do_not_block_others() {
    let dir = tempfile::tempdir().unwrap();
    let mut site = Site::new(&dir.path().join("data")).start();
    let run = run_id();

    // Many idle connections (as many as this process may open, up to 10k).
    let limit = rlimit::increase_nofile_limit(20_000).unwrap_or(1024);
    let wanted = 10_000usize.min(limit.saturating_sub(200) as usize);
    let mut idle = Vec::with_capacity(wanted);
    for _ in 0..wanted {
        match TcpStream::connect(site.tcp) {
            Ok(s) => idle.push(s),
            Err(_) => break,
        }
    }
    assert!(
        idle.len() >= wanted.min(1000),
        "opened only {} idle connections",
        idle.len()
    );

    // A slow-loris client dribbling one byte at a time.
    let mut loris = TcpStream::connect(site.tcp).unwrap();
    let slow = format!("<13>1 - slow app - - - {run}loris\n");
    let dribble = std::thread::spawn(move || {
        for b in slow.as_bytes() {
            let _ = loris.write_all(&[*b]);
            std::thread::sleep(Duration::from_millis(20));
        }
    });

    // Meanwhile a normal client and the HTTP API are served promptly.
    let mut normal = TcpStream::connect(site.tcp).unwrap();
    writeln!(normal, "<13>1 {} fast app - - - {run}fast", now_5424()).unwrap();
    drop(normal);
    assert_eq!(site.wait_for(&format!("{run}fast"), 1, WAIT), 1);
    let body = format!("{run}http line\n");
    let (st, _) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "text/plain",
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200);
    dribble.join().unwrap();
    assert_eq!(site.wait_for(&format!("{run}loris"), 1, WAIT), 1);
    let open = site.metric("steward_ingest_connections_open{listener=\"syslog-tcp\"}");
    assert!(
        open >= idle.len() as f64,
        "idle connections still open: {open}"
    );
    drop(idle);
    assert!(site.is_running());
}

#[test]
fn connection_limit_rejects_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("site.toml");
    std::fs::write(
        &config,
        "[http]\nmax_body_bytes = 4096\n[syslog]\nmax_connections = 5\n",
    )
    .unwrap();
    let site = Site::new(&dir.path().join("data"))
        .with_args(&["--config", config.to_str().unwrap()])
        .start();
    let held: Vec<TcpStream> = (0..5)
        .map(|_| TcpStream::connect(site.tcp).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut extra: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(site.tcp).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for s in &mut extra {
        let _ = s.write_all(b"x\n");
    }
    let deadline = std::time::Instant::now() + WAIT;
    while site.metric("steward_ingest_connections_rejected_total{listener=\"syslog-tcp\"}") < 3.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "rejections not counted"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(held);

    // An oversized HTTP body is refused whole with 413 and the error shape.
    let body = vec![b'x'; 10_000];
    let (status, reply) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "text/plain",
        &body,
    )
    .unwrap();
    assert_eq!(status, 413, "{reply}");
    assert!(reply.contains("payload_too_large"), "{reply}");
    assert_eq!(
        site.count("xxxxxxxxxx*"),
        0,
        "nothing of a refused body is stored"
    );
}

/// A UDP flood into a tiny queue: whatever the site read is either stored or counted as
/// dropped, never silently lost.
#[test]
fn udp_overload_is_a_counted_drop() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("site.toml");
    std::fs::write(
        &config,
        "[store]\nqueue_events = 8\nmax_transaction_events = 8\n",
    )
    .unwrap();
    let site = Site::new(&dir.path().join("data"))
        .with_args(&["--config", config.to_str().unwrap()])
        .start();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let line = format!("<13>1 {} flood app - - - udp flood datagram", now_5424());
    for _ in 0..20_000 {
        let _ = udp.send_to(line.as_bytes(), site.udp);
    }
    // Quiescence: the counters stop moving.
    let mut last = (-1.0, -1.0);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = (
            site.metric("steward_ingest_received_total{listener=\"syslog-udp\"}"),
            site.metric("steward_store_stored_events_total"),
        );
        if now == last {
            break;
        }
        last = now;
    }
    let received = site.metric("steward_ingest_received_total{listener=\"syslog-udp\"}");
    let dropped = site.metric("steward_ingest_dropped_total{listener=\"syslog-udp\"}");
    let stored = site.metric("steward_store_stored_events_total");
    eprintln!("udp flood: received {received}, stored {stored}, dropped {dropped}");
    assert!(received > 0.0);
    assert_eq!(
        received,
        stored + dropped,
        "received {received} = stored {stored} + dropped {dropped}"
    );
    assert_eq!(site.count("flood") as f64, stored);
}
