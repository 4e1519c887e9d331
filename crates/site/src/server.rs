//! Starting and stopping a site: open the stores, bootstrap access, bind the listeners,
//! serve the API, and on shutdown drain everything that was accepted.

use crate::api::{self, AppState};
use crate::assets::AssetEnricher;
use crate::automation::Automation;
use crate::config::{Listen, SiteConfig};
use crate::detection::DetectionService;
use anyhow::{Context, Result};
use chrono::Utc;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use steward_access::{Access, Bootstrap};
use steward_ingest::syslog::{serve_stream, serve_udp, StreamOptions};
use steward_ingest::{IngestStats, Pipeline, ProfileSet};
use steward_model::{Origin, SiteId, TenantId};
use steward_normalize::Normalizer;
use steward_objects::ObjectStore;
use steward_store::{
    EventStore, SqliteOptions, SqliteStore, WriteQueue, WriteQueueOptions, WriterHandle,
};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Things only the process environment knows.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    /// `STEWARD_BOOTSTRAP_TOKEN`: the first API token, for automation.
    pub bootstrap_token: Option<String>,
}

/// Where a started site actually listens (ports may have been chosen by the OS).
#[derive(Clone, Debug)]
pub struct Addresses {
    pub http: SocketAddr,
    pub syslog_udp: Option<SocketAddr>,
    pub syslog_tcp: Option<SocketAddr>,
    pub syslog_tls: Option<SocketAddr>,
}

pub struct RunningSite {
    pub addresses: Addresses,
    /// The API token created by this start, when it was the first start.
    pub new_token: Option<String>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    queue: WriteQueue,
    writer: WriterHandle,
    detection: Option<DetectionService>,
}

const RETENTION_EVERY: Duration = Duration::from_secs(3600);
pub const BOOTSTRAP_TOKEN_FILE: &str = "bootstrap.token";
/// The hash-chained audit log in the data directory (`steward admin audit verify`).
pub const AUDIT_FILE: &str = "audit.db";
/// Assets, incidents, vulnerabilities and knowledge-base articles.
pub const OBJECTS_FILE: &str = "objects.db";

pub async fn start(config: SiteConfig, options: StartOptions) -> Result<RunningSite> {
    config.validate()?;
    let data = config.site.data.clone();
    create_private_dir(&data)?;
    let origin = Origin {
        site: SiteId::new(config.site.id.clone())?,
        tenant: TenantId::new(config.site.tenant.clone())?,
    };

    let audit = Arc::new(
        steward_audit::AuditLog::open(&data.join(AUDIT_FILE))
            .context("opening the audit log (steward admin audit verify names what is wrong)")?,
    );
    let accounts = Arc::new(Access::open(&data.join("state.db"))?);
    let new_token =
        match accounts.bootstrap(origin.site.as_str(), options.bootstrap_token.as_deref())? {
            Bootstrap::Created { token } => {
                let path = data.join(BOOTSTRAP_TOKEN_FILE);
                steward_ingest::tls::write_private(&path, format!("{token}\n").as_bytes())?;
                audit.append(
                    steward_audit::NewEntry::new(
                        steward_audit::ActorKind::System,
                        "site",
                        "account.bootstrap",
                    )
                    .object("account", "admin")
                    .details(serde_json::json!({"token": "created (only its hash is stored)"})),
                )?;
                Some(token)
            }
            Bootstrap::AlreadyDone => None,
        };

    let sqlite = SqliteStore::open(
        data.join("events"),
        SqliteOptions {
            sync: config.store.sync,
            ..SqliteOptions::default()
        },
    )
    .context("opening the event store")?;
    let store: Arc<dyn EventStore> = Arc::new(sqlite);
    let objects = Arc::new(
        ObjectStore::open(&data.join(OBJECTS_FILE)).context("opening the object database")?,
    );
    let seeded = objects.seed_builtin_articles(Utc::now())?;
    if seeded > 0 {
        tracing::info!(articles = seeded, "knowledge base: starter articles added");
    }
    let enricher = Arc::new(AssetEnricher::new(
        objects.asset_index()?,
        config.assets.internal_networks.clone(),
        config.assets.discover,
    ));
    let retention_days = config.store.retention_days;
    if let Err(e) = store.apply_retention(Utc::now(), retention_days) {
        tracing::error!(error = %e, "retention failed");
    }
    let (queue, writer) = WriteQueue::start(
        store.clone(),
        WriteQueueOptions {
            capacity_events: config.store.queue_events,
            max_transaction_events: config.store.max_transaction_events,
        },
    );

    // Families compile on first use (see steward_devices::Family): a start stays fast.
    let (registry, library) = steward_devices::registry(config.parsers.dir.as_deref())
        .with_context(|| format!("reading parsers.dir {:?}", config.parsers.dir))?;
    for error in library.errors() {
        tracing::warn!(%error, "device family not loaded");
    }
    let registry = Arc::new(registry);
    let timezone: chrono_tz::Tz = config
        .syslog
        .timezone
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown time zone {:?}", config.syslog.timezone))?;
    let profiles = ProfileSet::new(
        config.profiles.clone(),
        timezone,
        &registry
            .names()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?;
    let stats = Arc::new(IngestStats::default());
    let detection = if config.detect.enabled {
        Some(DetectionService::start(
            &config.detect,
            &config.intel,
            &config.behaviour,
            &data,
            queue.clone(),
            audit.clone(),
            enricher.clone(),
        )?)
    } else {
        None
    };
    let mut pipeline = Pipeline::new(
        Normalizer::new(registry),
        profiles,
        origin,
        queue.clone(),
        stats,
    );
    if let Some(d) = &detection {
        pipeline = pipeline.with_tap(d.tap());
    }
    pipeline = pipeline.with_enricher(enricher.clone());
    let pipeline = Arc::new(pipeline);

    let (shutdown, stop) = watch::channel(false);
    let mut tasks = Vec::new();
    let stream_options = StreamOptions {
        max_record_bytes: config.syslog.max_record_bytes,
        max_connections: config.syslog.max_connections,
        idle_timeout: Duration::from_secs(config.syslog.idle_timeout_secs.max(1)),
        ..StreamOptions::default()
    };

    let syslog_udp = match config.syslog.udp {
        Listen::Off => None,
        Listen::At(addr) => {
            let socket = UdpSocket::bind(addr)
                .await
                .with_context(|| format!("binding syslog-udp on {addr}"))?;
            let local = socket.local_addr()?;
            tasks.push(tokio::spawn(serve_udp(
                socket,
                "syslog-udp",
                pipeline.clone(),
                config.syslog.max_record_bytes,
                stop.clone(),
            )));
            Some(local)
        }
    };
    let syslog_tcp = match config.syslog.tcp {
        Listen::Off => None,
        Listen::At(addr) => {
            let listener = bind_tcp(addr, "syslog-tcp").await?;
            let local = listener.local_addr()?;
            tasks.push(tokio::spawn(serve_stream(
                listener,
                "syslog-tcp",
                pipeline.clone(),
                stream_options.clone(),
                None,
                stop.clone(),
            )));
            Some(local)
        }
    };
    let syslog_tls = match config.syslog.tls {
        Listen::Off => None,
        Listen::At(addr) => {
            let (tls, source) = steward_ingest::tls::server_config(
                config.syslog.tls_cert.as_deref(),
                config.syslog.tls_key.as_deref(),
                &data.join("tls"),
            )?;
            tracing::info!(certificate = ?source, "syslog TLS certificate");
            let listener = bind_tcp(addr, "syslog-tls").await?;
            let local = listener.local_addr()?;
            tasks.push(tokio::spawn(serve_stream(
                listener,
                "syslog-tls",
                pipeline.clone(),
                stream_options.clone(),
                Some(tls),
                stop.clone(),
            )));
            Some(local)
        }
    };

    let state = Arc::new(AppState {
        pipeline: pipeline.clone(),
        store: store.clone(),
        access: accounts,
        objects: objects.clone(),
        audit: audit.clone(),
        audit_path: data.join(AUDIT_FILE),
        writer_stats: queue.stats().clone(),
        max_record_bytes: config.syslog.max_record_bytes,
        max_upload_bytes: config.http.max_upload_bytes,
        alerts: detection.as_ref().map(|d| d.alerts.clone()),
        detect_stats: detection.as_ref().map(|d| d.stats.clone()),
        sla: config.incidents.sla,
        vuln_policy: config.vulns.due,
    });
    let automation = Arc::new(Automation {
        objects,
        audit,
        alerts: detection.as_ref().map(|d| d.alerts.clone()),
        enricher,
        incidents: config.incidents.clone(),
        shadow_alerts: config.assets.shadow_alerts,
        dedupe_secs: config.detect.dedupe_secs,
    });
    tasks.push(tokio::spawn(crate::automation::run(
        automation,
        Duration::from_secs(config.incidents.automation_secs.max(1)),
        stop.clone(),
    )));
    let http = bind_tcp(config.http.listen, "http").await?;
    let http_addr = http.local_addr()?;
    let app = api::router(state, config.http.max_body_bytes)?
        .into_make_service_with_connect_info::<SocketAddr>();
    let mut http_stop = stop.clone();
    tasks.push(tokio::spawn(async move {
        let graceful = async move {
            let _ = http_stop.changed().await;
        };
        if let Err(e) = axum::serve(http, app)
            .with_graceful_shutdown(graceful)
            .await
        {
            tracing::error!(error = %e, "HTTP server failed");
        }
    }));

    let mut retention_stop = stop.clone();
    let retention_store = store.clone();
    tasks.push(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(RETENTION_EVERY) => {}
                _ = retention_stop.changed() => break,
            }
            let store = retention_store.clone();
            let dropped = tokio::task::spawn_blocking(move || {
                store.apply_retention(Utc::now(), retention_days)
            })
            .await;
            if let Ok(Err(e)) = dropped {
                tracing::error!(error = %e, "retention failed");
            }
        }
    }));
    drop(pipeline);

    Ok(RunningSite {
        addresses: Addresses {
            http: http_addr,
            syslog_udp,
            syslog_tcp,
            syslog_tls,
        },
        new_token,
        shutdown,
        tasks,
        queue,
        writer,
        detection,
    })
}

async fn bind_tcp(addr: SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| {
        let hint = if addr.port() < 1024 {
            " (ports below 1024 need root or CAP_NET_BIND_SERVICE; see docs/configuration.md)"
        } else {
            ""
        };
        format!("binding {what} on {addr}{hint}")
    })
}

fn create_private_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path)
        .with_context(|| format!("creating data directory {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    Ok(())
}

impl RunningSite {
    /// Events durably committed since this start.
    pub fn stored_events(&self) -> u64 {
        self.queue
            .stats()
            .stored_events
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Detection's counters, when detection runs.
    pub fn detect_stats(&self) -> Option<Arc<crate::detection::DetectStats>> {
        self.detection.as_ref().map(|d| d.stats.clone())
    }

    /// Stops accepting, lets open connections hand over what they read, commits
    /// everything queued, and returns when the store is closed.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        // Connections see the same signal; give them a moment to hand over their last
        // records before the writer commits and stops.
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Detection finishes what it was handed (its alert events go to the queue)
        // before the queue closes.
        if let Some(d) = self.detection {
            let _ = tokio::task::spawn_blocking(move || d.stop()).await;
        }
        self.queue.close().await;
        let writer = self.writer;
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    }
}
