//! Every way into a site — syslog over UDP, TCP (both framings) and TLS, HTTP text and
//! NDJSON, Splunk HEC event and raw — read back through the search API with the ECS
//! fields each should carry.

mod common;

use common::{now_5424, post, run_id, Site, TOKEN};
use serde_json::Value;
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

fn field<'a>(doc: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(doc, |v, k| &v[k])
}

#[test]
fn every_transport_lands_searchable_with_ecs_fields() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::new(&dir.path().join("data")).start();
    let run = run_id();

    // UDP: one datagram per record.
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..5 {
        let line = format!("<13>1 {} udphost app 11 ID1 - {run}udp n={i}", now_5424());
        udp.send_to(line.as_bytes(), site.udp).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }

    // TCP, newline framing, then octet counting on the same connection.
    let mut tcp = TcpStream::connect(site.tcp).unwrap();
    for i in 0..3 {
        writeln!(
            tcp,
            "<165>1 {} tcphost web 22 - [origin ip=\"10.0.0.9\"] {run}nl n={i}",
            now_5424()
        )
        .unwrap();
    }
    for i in 0..3 {
        let msg = format!("<34>1 {} tcphost auth 33 - - {run}oc n={i}", now_5424());
        write!(tcp, "{} {}", msg.len(), msg).unwrap();
    }
    drop(tcp);

    // TLS with the self-signed certificate the site generated into its data dir.
    send_tls(
        &site,
        &format!("<14>1 {} tlshost app 44 - - {run}tls\n", now_5424()),
    );

    // HTTP: text lines with an explicit parser, and NDJSON.
    let text =
        format!("<30>Nov 23 10:00:00 httphost sshd[99]: {run}http Accepted password for alice\n");
    let (st, body) = post(
        site.http,
        "/api/v1/ingest?parser=rfc3164&source=unit",
        Some(TOKEN),
        "text/plain",
        text.as_bytes(),
    )
    .unwrap();
    assert_eq!((st, body.as_str()), (200, r#"{"accepted":1,"failed":0}"#));
    let ndjson = format!(
        "{{\"message\":\"{run}json\",\"source\":{{\"ip\":\"10.2.3.4\"}},\"user.name\":\"bob\"}}\nnot json {run}badjson\n"
    );
    let (st, body) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "application/x-ndjson",
        ndjson.as_bytes(),
    )
    .unwrap();
    assert_eq!((st, body.as_str()), (200, r#"{"accepted":1,"failed":1}"#));

    // Splunk HEC: two concatenated events (string and object), then raw lines.
    let hec = format!(
        "{{\"event\":\"{run}hecstr login ok\",\"host\":\"hechost\",\"time\":1700000000.5,\"fields\":{{\"team\":\"blue\"}}}}{{\"event\":{{\"message\":\"{run}hecobj\",\"user\":{{\"name\":\"carol\"}}}},\"sourcetype\":\"app:json\"}}"
    );
    let (st, body) = post(
        site.http,
        "/services/collector/event",
        Some(&format!("Splunk {TOKEN}")),
        "application/json",
        hec.as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200, "{body}");
    assert!(body.contains("\"code\":0"), "{body}");
    let raw = format!("{run}hecraw first\n{run}hecraw second\n");
    let (st, _) = post(
        site.http,
        "/services/collector/raw?host=rawhost&sourcetype=plain",
        Some(&format!("Splunk {TOKEN}")),
        "text/plain",
        raw.as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200);

    // Read everything back.
    assert_eq!(site.wait_for(&format!("{run}udp"), 5, WAIT), 5, "udp");
    assert_eq!(
        site.wait_for(&format!("{run}nl"), 3, WAIT),
        3,
        "tcp newline"
    );
    assert_eq!(
        site.wait_for(&format!("{run}oc"), 3, WAIT),
        3,
        "tcp octet-counted"
    );
    assert_eq!(site.wait_for(&format!("{run}tls"), 1, WAIT), 1, "tls");
    assert_eq!(site.count(&format!("{run}http")), 1, "http text");
    assert_eq!(
        site.count(&format!("{run}json OR {run}badjson")),
        2,
        "ndjson, bad line kept"
    );
    assert_eq!(
        site.count(&format!("{run}hecstr OR {run}hecobj")),
        2,
        "hec event"
    );
    assert_eq!(site.count(&format!("{run}hecraw")), 2, "hec raw");

    let e = &site.search(&format!("{run}udp"), 1)[0];
    assert_eq!(field(e, "host.name"), "udphost");
    assert_eq!(field(e, "log.syslog.severity.code"), 5);
    assert_eq!(field(e, "observer.ip"), "127.0.0.1");
    assert_eq!(field(e, "steward.listener"), "syslog-udp");
    assert_eq!(field(e, "steward.site.id"), "local");
    for f in [
        "@timestamp",
        "event.created",
        "event.ingested",
        "event.original",
        "event.dataset",
    ] {
        assert!(!field(e, f).is_null(), "{f} missing in {e}");
    }

    let e = &site.search(&format!("{run}nl"), 1)[0];
    assert_eq!(field(e, "process.name"), "web");
    assert_eq!(field(e, "log.syslog.facility.code"), 20);
    assert_eq!(field(e, "steward.listener"), "syslog-tcp");
    assert_eq!(
        site.count(&format!("{run}nl AND host.name:tcphost AND process.pid:22")),
        3
    );

    let e = &site.search(&format!("{run}tls"), 1)[0];
    assert_eq!(field(e, "steward.listener"), "syslog-tls");

    let e = &site.search(&format!("{run}http"), 1)[0];
    assert_eq!(field(e, "process.name"), "sshd");
    assert_eq!(field(e, "steward.parser"), "rfc3164");
    assert_eq!(field(e, "steward.source"), "unit");

    let e = &site.search(&format!("{run}json"), 1)[0];
    assert_eq!(field(e, "source.ip"), "10.2.3.4");
    assert_eq!(field(e, "user.name"), "bob");
    assert_eq!(
        site.count(&format!("{run}json AND source.ip:10.2.0.0/16")),
        1
    );
    let bad = &site.search(&format!("{run}badjson"), 1)[0];
    assert!(field(bad, "error.message").is_string(), "{bad}");
    assert_eq!(
        field(bad, "event.original"),
        &Value::String(format!("not json {run}badjson"))
    );

    let e = &site.search(&format!("{run}hecstr"), 1)[0];
    assert_eq!(field(e, "host.name"), "hechost");
    assert_eq!(field(e, "labels.team"), "blue");
    assert_eq!(field(e, "@timestamp"), "2023-11-14T22:13:20.500Z");
    let e = &site.search(&format!("{run}hecobj"), 1)[0];
    assert_eq!(field(e, "user.name"), "carol");
    assert_eq!(field(e, "steward.hec.sourcetype"), "app:json");
    let e = &site.search(&format!("{run}hecraw"), 1)[0];
    assert_eq!(field(e, "host.name"), "rawhost");

    assert!(site.metric("steward_ingest_received_total{listener=\"syslog-udp\"}") >= 5.0);
    assert!(site.metric("steward_store_stored_events_total") >= 19.0);
}

fn send_tls(site: &Site, line: &str) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let cert_path = site.data.join("tls").join("syslog-tls.crt");
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&cert_path).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let sock = TcpStream::connect(site.tls).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(line.as_bytes()).unwrap();
    tls.flush().unwrap();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
