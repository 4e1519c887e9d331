//! `steward site`.

use crate::cli::{ListenArgs, SiteArgs};
use anyhow::{Context, Result};
use std::process::ExitCode;
use steward_site::config::Listen;
use steward_site::{RunningSite, SiteConfig, StartOptions};

/// Applies command-line flags on top of the file's values.
pub fn apply_flags(config: &mut SiteConfig, flags: &ListenArgs) -> Result<()> {
    if let Some(dir) = &flags.data {
        config.site.data = dir.clone();
    }
    if let Some(http) = &flags.http {
        config.http.listen = http
            .parse()
            .with_context(|| format!("--http {http:?} is not an address like 127.0.0.1:8080"))?;
    }
    let listen = |value: &Option<String>, flag: &str| -> Result<Option<Listen>> {
        value
            .as_deref()
            .map(|v| {
                v.parse::<Listen>()
                    .map_err(|e| anyhow::anyhow!("{flag}: {e}"))
            })
            .transpose()
    };
    if let Some(l) = listen(&flags.syslog_udp, "--syslog-udp")? {
        config.syslog.udp = l;
    }
    if let Some(l) = listen(&flags.syslog_tcp, "--syslog-tcp")? {
        config.syslog.tcp = l;
    }
    if let Some(l) = listen(&flags.syslog_tls, "--syslog-tls")? {
        config.syslog.tls = l;
    }
    Ok(())
}

pub fn start_options() -> StartOptions {
    StartOptions {
        bootstrap_token: std::env::var("STEWARD_BOOTSTRAP_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()),
    }
}

pub fn run(args: SiteArgs) -> Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => SiteConfig::load(path)?,
        None => SiteConfig::default(),
    };
    apply_flags(&mut config, &args.listen)?;
    if let Some(id) = &args.site_id {
        config.site.id = id.clone();
    }
    config.detect.rules.extend(args.rules.iter().cloned());
    crate::raise_fd_limit();
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let data = config.site.data.clone();
        let site = steward_site::start(config, start_options()).await?;
        announce(&site, &data);
        wait_for_signal().await;
        tracing::info!("stopping: draining queued events");
        site.shutdown().await;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

pub fn announce(site: &RunningSite, data: &std::path::Path) {
    let a = &site.addresses;
    tracing::info!(
        http = %a.http,
        syslog_udp = ?a.syslog_udp,
        syslog_tcp = ?a.syslog_tcp,
        syslog_tls = ?a.syslog_tls,
        data = %data.display(),
        "site running"
    );
    if let Some(token) = &site.new_token {
        println!("First start: created the admin account and an API token (shown once).");
        println!("  token: {token}");
        println!(
            "  also written to {} (mode 0600)",
            data.join(steward_site::server::BOOTSTRAP_TOKEN_FILE)
                .display()
        );
    }
}

pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
