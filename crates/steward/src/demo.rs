//! `steward demo`: a site on embedded storage in `./steward-demo`, fed by generated
//! traffic over its own syslog listeners and HTTP API, until interrupted.

use crate::cli::DemoArgs;
use crate::traffic::{self, Rng};
use anyhow::Result;
use chrono::Utc;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use steward_site::config::Listen;
use steward_site::SiteConfig;
use tokio::io::AsyncWriteExt;

pub fn run(args: DemoArgs) -> Result<ExitCode> {
    let mut config = SiteConfig::default();
    config.site.id = "demo".into();
    config.site.data = PathBuf::from("steward-demo");
    // Loopback only: a demo has no business listening on the network.
    config.syslog.udp = Listen::At(SocketAddr::from(([127, 0, 0, 1], 5514)));
    config.syslog.tcp = Listen::At(SocketAddr::from(([127, 0, 0, 1], 5514)));
    config.syslog.tls = Listen::At(SocketAddr::from(([127, 0, 0, 1], 6514)));
    config.store.sync = steward_store::SyncMode::Normal;
    crate::site::apply_flags(&mut config, &args.listen)?;
    crate::raise_fd_limit();
    let data = config.site.data.clone();
    let rate = args.rate.max(1);
    crate::runtime()?.block_on(async move {
        let site = steward_site::start(config, crate::site::start_options()).await?;
        crate::site::announce(&site, &data);
        let token = match &site.new_token {
            Some(t) => t.clone(),
            None => std::fs::read_to_string(data.join(steward_site::server::BOOTSTRAP_TOKEN_FILE))
                .map(|t| t.trim().to_owned())
                .unwrap_or_else(|_| "(see the token printed at the first start)".into()),
        };
        let http = site.addresses.http;
        println!();
        println!("Steward demo is running ({rate} generated events/s). Ctrl-C stops it; a restart reuses {}.", data.display());
        println!("  API:    http://{http}/api/v1/events?q=sshd  (Authorization: Bearer {token})");
        println!("  try:    curl -s -H 'Authorization: Bearer {token}' 'http://{http}/api/v1/events/top?field=source.ip'");
        println!("  or:     steward search --data {} 'event.action:deny OR \"Failed password\"'", data.display());
        println!("  alerts: curl -s -H 'Authorization: Bearer {token}' 'http://{http}/api/v1/alerts?level=medium'");
        let generator = tokio::spawn(generate(site.addresses.clone(), token, rate));
        crate::site::wait_for_signal().await;
        generator.abort();
        site.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Sends the generated lines the way devices would: syslog kinds over UDP and TCP, JSON
/// application logs over the HTTP API.
async fn generate(addresses: steward_site::Addresses, token: String, rate: u32) {
    let mut rng = Rng::new(Utc::now().timestamp_micros() as u64);
    let udp = match tokio::net::UdpSocket::bind("127.0.0.1:0").await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "demo: no UDP socket");
            None
        }
    };
    let mut tcp = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let mut http_body = String::new();
        for _ in 0..rate {
            let kind = rng.below(traffic::KINDS.len() as u64) as usize;
            let line = traffic::line(&mut rng, kind, Utc::now());
            match traffic::KINDS[kind] {
                "json" => {
                    http_body.push_str(&line);
                    http_body.push('\n');
                }
                "rfc3164" | "cef" => {
                    if let (Some(socket), Some(addr)) = (&udp, addresses.syslog_udp) {
                        let _ = socket.send_to(line.as_bytes(), addr).await;
                    }
                }
                _ => {
                    if tcp.is_none() {
                        if let Some(addr) = addresses.syslog_tcp {
                            tcp = tokio::net::TcpStream::connect(addr).await.ok();
                        }
                    }
                    if let Some(stream) = tcp.as_mut() {
                        if stream
                            .write_all(format!("{line}\n").as_bytes())
                            .await
                            .is_err()
                        {
                            tcp = None;
                        }
                    }
                }
            }
        }
        if !http_body.is_empty() {
            let path = "/api/v1/ingest?source=demo-billing";
            if let Err(e) = crate::http_client::post(
                addresses.http,
                &token,
                path,
                "application/x-ndjson",
                http_body.into_bytes(),
            )
            .await
            {
                tracing::warn!(error = %e, "demo: HTTP ingest failed");
            }
        }
    }
}
