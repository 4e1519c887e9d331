//! What the site does on its own between requests: learn assets from traffic (and
//! alert on shadow ones), group new alerts into incidents, record SLA breaches (log,
//! audit, webhook), and reopen findings whose accepted risk has expired.
//!
//! Every change it makes is audited as `automation`.

use crate::assets::AssetEnricher;
use crate::config::IncidentsSection;
use anyhow::Result;
use chrono::Utc;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use steward_audit::{ActorKind, AuditLog, NewEntry};
use steward_model::{Detection, DetectionSource, Entities, Level};
use steward_objects::assets::AssetFilter;
use steward_objects::ObjectStore;
use steward_secops::AlertRef;
use steward_store::{Alert, AlertStore};
use tokio::sync::watch;

/// `objects.db` key of the last alert id automation has looked at.
const ALERT_CURSOR: &str = "automation.alert_cursor";
/// Alerts handled per round; a backlog drains over the following rounds.
const ALERTS_PER_ROUND: usize = 2_000;
pub const SHADOW_RULE_ID: &str = "steward-shadow-asset";

pub fn alert_ref(alert: &Alert) -> AlertRef {
    AlertRef {
        id: alert.id,
        rule_id: alert.rule_id.clone(),
        title: alert.title.clone(),
        level: alert.level,
        tags: alert.tags.clone(),
        entities: alert.entities.clone(),
        first_seen: alert.first_seen,
        last_seen: alert.last_seen,
    }
}

pub struct Automation {
    pub objects: Arc<ObjectStore>,
    pub audit: Arc<AuditLog>,
    pub alerts: Option<Arc<AlertStore>>,
    pub enricher: Arc<AssetEnricher>,
    pub incidents: IncidentsSection,
    pub shadow_alerts: bool,
    pub dedupe_secs: u64,
}

impl Automation {
    fn audit(
        &self,
        action: &str,
        object_type: &str,
        object_id: impl ToString,
        details: serde_json::Value,
    ) {
        let entry = NewEntry::new(ActorKind::Automation, "automation", action)
            .object(object_type, object_id.to_string())
            .details(details);
        if let Err(e) = self.audit.append(entry) {
            tracing::error!(error = %e, action, "audit append failed");
        }
    }

    /// One round; each part logs its own failure and the others still run.
    pub fn round(&self) -> Vec<serde_json::Value> {
        if let Err(e) = self.learn_assets() {
            tracing::error!(error = %e, "asset discovery round failed");
        }
        if let Err(e) = self.group_alerts() {
            tracing::error!(error = %e, "incident grouping round failed");
        }
        let breaches = match self.sweep_sla() {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "SLA sweep failed");
                Vec::new()
            }
        };
        if let Err(e) = self.expire_risks() {
            tracing::error!(error = %e, "accepted-risk expiry failed");
        }
        breaches
    }

    fn learn_assets(&self) -> Result<()> {
        let seen = self.enricher.take_observations();
        if seen.is_empty() {
            return Ok(());
        }
        let created = self.objects.observe_assets(&seen)?;
        if created.is_empty() {
            return Ok(());
        }
        self.enricher.set_index(self.objects.asset_index()?);
        // "Absent from the approved inventory" means something only once there is one:
        // before anything is approved, every host of the network would raise an alert.
        let inventory = AssetFilter {
            approved: Some(true),
            limit: Some(1),
            ..AssetFilter::default()
        };
        let alert = self.shadow_alerts && self.objects.list_assets(&inventory)?.total > 0;
        let now = Utc::now();
        let mut detections = Vec::new();
        for asset in &created {
            self.audit(
                "asset.discover",
                "asset",
                asset.id,
                json!({"name": asset.name, "ips": asset.ips}),
            );
            tracing::info!(asset = asset.id, name = %asset.name, "shadow asset discovered");
            if alert {
                detections.push(shadow_detection(asset, now));
            }
        }
        if let (Some(alerts), false) = (&self.alerts, detections.is_empty()) {
            alerts.record(
                &detections,
                chrono::Duration::seconds(self.dedupe_secs as i64),
            )?;
        }
        Ok(())
    }

    fn group_alerts(&self) -> Result<()> {
        let Some(alerts) = &self.alerts else {
            return Ok(());
        };
        if !self.incidents.auto_group {
            return Ok(());
        }
        let min_level = Level::parse(&self.incidents.min_level).unwrap_or(Level::Medium);
        let mut cursor: i64 = self
            .objects
            .meta(ALERT_CURSOR)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let batch = alerts.opened_after(cursor, ALERTS_PER_ROUND)?;
        for alert in &batch {
            cursor = alert.id;
            if alert.level < min_level {
                continue;
            }
            let outcome = self.objects.group_alert(
                &alert_ref(alert),
                &self.incidents.grouping,
                &self.incidents.sla,
                Utc::now(),
            )?;
            let action = if outcome.created {
                "incident.create"
            } else {
                "incident.link_alerts"
            };
            self.audit(
                action,
                "incident",
                outcome.incident_id,
                json!({"alert_id": alert.id, "rule_id": alert.rule_id}),
            );
        }
        if !batch.is_empty() {
            self.objects.set_meta(ALERT_CURSOR, &cursor.to_string())?;
        }
        Ok(())
    }

    fn sweep_sla(&self) -> Result<Vec<serde_json::Value>> {
        let breaches = self.objects.sweep_sla(&self.incidents.sla, Utc::now())?;
        let mut notices = Vec::new();
        for (incident_id, breach) in breaches {
            let notice = json!({
                "kind": "sla_breach",
                "incident_id": incident_id,
                "breach": breach,
            });
            tracing::warn!(incident = incident_id, breach = %notice, "SLA breached");
            self.audit(
                "incident.sla_breach",
                "incident",
                incident_id,
                notice.clone(),
            );
            notices.push(notice);
        }
        Ok(notices)
    }

    fn expire_risks(&self) -> Result<()> {
        for id in self
            .objects
            .expire_accepted_risks("automation", Utc::now())?
        {
            self.audit("vuln.risk_expired", "vulnerability", id, json!({}));
        }
        Ok(())
    }
}

fn shadow_detection(
    asset: &steward_objects::assets::AssetRecord,
    now: chrono::DateTime<Utc>,
) -> Detection {
    let ip = asset.ips.first().cloned();
    let mut details = serde_json::Map::new();
    details.insert("asset_id".into(), asset.id.into());
    details.insert("variant".into(), asset.id.to_string().into());
    Detection {
        source: DetectionSource::Behaviour,
        rule_id: SHADOW_RULE_ID.into(),
        title: format!("Shadow asset seen: {} / 发现影子资产", asset.name),
        level: Level::Low,
        tags: vec!["attack.discovery".into()],
        author: Some("Steward".into()),
        timestamp: asset.first_seen.unwrap_or(now),
        entities: Entities {
            source_ip: ip,
            host: asset.hostnames.first().cloned(),
            ..Entities::default()
        },
        event_ids: Vec::new(),
        details,
    }
}

/// Runs rounds every `every` until `stop`; breach notices go to the webhook when set.
pub async fn run(automation: Arc<Automation>, every: Duration, mut stop: watch::Receiver<bool>) {
    let webhook = automation.incidents.breach_webhook.clone();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => break,
        }
        let worker = automation.clone();
        let notices = match tokio::task::spawn_blocking(move || worker.round()).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "automation round stopped");
                continue;
            }
        };
        if let Some(url) = &webhook {
            for notice in notices {
                if let Err(e) = crate::notify::post_json(url, &notice).await {
                    tracing::warn!(error = %e, %url, "breach webhook failed");
                }
            }
        }
    }
}
