//! Running the real `steward` binary on loopback for integration tests, with a minimal
//! blocking HTTP client (the tests need nothing more).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "integration-test-token-0123456789";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Site {
    pub data: PathBuf,
    pub http: SocketAddr,
    pub tcp: SocketAddr,
    pub udp: SocketAddr,
    pub tls: SocketAddr,
    child: Option<Child>,
    extra: Vec<String>,
}

impl Site {
    pub fn new(data: &Path) -> Site {
        let addr = |p| SocketAddr::from(([127, 0, 0, 1], p));
        Site {
            data: data.to_owned(),
            http: addr(free_port()),
            tcp: addr(free_port()),
            udp: addr(free_port()),
            tls: addr(free_port()),
            child: None,
            extra: Vec::new(),
        }
    }

    pub fn with_args(mut self, args: &[&str]) -> Site {
        self.extra = args.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn start(mut self) -> Site {
        self.launch();
        self
    }

    pub fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.with_extension("log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_steward"))
            .args(["site", "--data"])
            .arg(&self.data)
            .args(["--http", &self.http.to_string()])
            .args(["--syslog-tcp", &self.tcp.to_string()])
            .args(["--syslog-udp", &self.udp.to_string()])
            .args(["--syslog-tls", &self.tls.to_string()])
            .args(&self.extra)
            .env("STEWARD_BOOTSTRAP_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start steward site");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("site exited with {status}: {}", self.log_tail());
            }
            if let Ok((200, _)) = get(self.http, "/healthz", None) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("site did not become healthy: {}", self.log_tail());
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.data.with_extension("log")).unwrap_or_default();
        text.chars()
            .rev()
            .take(2000)
            .collect::<String>()
            .chars()
            .rev()
            .collect()
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    pub fn terminate(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if c.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Matching events over all time (exact).
    pub fn count(&self, q: &str) -> i64 {
        let path = format!(
            "/api/v1/events?q={}&from=2000-01-01&to=2100-01-01&limit=1&track_total=100000000",
            encode(q)
        );
        match get(self.http, &path, Some(TOKEN)) {
            Ok((200, body)) => serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"]
                .as_i64()
                .unwrap(),
            other => panic!("search {q:?} failed: {other:?}"),
        }
    }

    /// The newest matching events.
    pub fn search(&self, q: &str, limit: usize) -> Vec<serde_json::Value> {
        let path = format!(
            "/api/v1/events?q={}&from=2000-01-01&to=2100-01-01&limit={limit}",
            encode(q)
        );
        let (status, body) = get(self.http, &path, Some(TOKEN)).unwrap();
        assert_eq!(status, 200, "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        doc["events"].as_array().unwrap().clone()
    }

    /// Waits until `q` matches at least `n` events; returns the last count.
    pub fn wait_for(&self, q: &str, n: i64, within: Duration) -> i64 {
        let deadline = Instant::now() + within;
        loop {
            let c = self.count(q);
            if c >= n || Instant::now() > deadline {
                return c;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn metric(&self, name_and_labels: &str) -> f64 {
        let (_, text) = get(self.http, "/metrics", None).unwrap();
        text.lines()
            .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> std::io::Result<(u16, String)> {
    request(addr, "GET", path, token, None, &[])
}

pub fn post(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    ctype: &str,
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    request(addr, "POST", path, token, Some(ctype), body)
}

pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<&str>,
    ctype: Option<&str>,
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(a) = auth {
        if a.contains(' ') {
            head.push_str(&format!("Authorization: {a}\r\n"));
        } else {
            head.push_str(&format!("Authorization: Bearer {a}\r\n"));
        }
    }
    if let Some(c) = ctype {
        head.push_str(&format!("Content-Type: {c}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("bad reply: {text:?}")))?;
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

pub fn now_5424() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub fn run_id() -> String {
    format!(
        "t{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 0xffff_ffff
    )
}
