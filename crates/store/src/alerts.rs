//! Alerts at the site: detections, de-duplicated, with counts and first/last seen.
//!
//! One SQLite file (`alerts.db`), separate from the day-partitioned events: alerts live
//! longer than raw events, are updated in place (count, last seen) and are few. A
//! detection joins an open alert with the same de-duplication key whose last sighting is
//! within the window; otherwise it opens a new alert.

use crate::StoreError;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension, ToSql};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Mutex;
use steward_model::{time, Detection, DetectionSource, Entities, Level};

/// Event ids kept per alert; the count keeps counting beyond it.
const MAX_EVENT_IDS: usize = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub source: DetectionSource,
    pub rule_id: String,
    pub title: String,
    pub level: Level,
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub entities: Entities,
    pub event_ids: Vec<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub count: u64,
    pub status: String,
    pub details: Map<String, Value>,
}

/// What recording a detection did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    Opened(i64),
    Updated(i64),
}

/// Filters for listing alerts; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct AlertFilter {
    pub min_level: Option<Level>,
    pub rule_id: Option<String>,
    pub source: Option<DetectionSource>,
    pub status: Option<String>,
    /// Matches any entity field exactly (IP, user, host, process, file...).
    pub entity: Option<String>,
    /// Alerts whose last sighting is at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Alerts whose last sighting is before this.
    pub to: Option<DateTime<Utc>>,
    /// Only alerts with an id below this (paging newest first).
    pub before_id: Option<i64>,
    pub limit: usize,
}

pub struct AlertStore {
    conn: Mutex<Connection>,
}

fn level_rank(l: Level) -> i64 {
    l as i64
}

fn level_from_rank(r: i64) -> Level {
    match r {
        0 => Level::Informational,
        1 => Level::Low,
        2 => Level::Medium,
        3 => Level::High,
        _ => Level::Critical,
    }
}

fn source_from(s: &str) -> DetectionSource {
    match s {
        "correlation" => DetectionSource::Correlation,
        "indicator" => DetectionSource::Indicator,
        "behaviour" => DetectionSource::Behaviour,
        _ => DetectionSource::Sigma,
    }
}

/// The key alerts are de-duplicated on: the rule and the entities it is about.
pub fn dedupe_key(d: &Detection) -> String {
    let e = &d.entities;
    let part = |o: &Option<String>| o.as_deref().unwrap_or("").to_owned();
    // Behaviour models name the kind of finding (brute-force attempt vs. success) in
    // `details.variant`: a success must not fold into the attempts' alert.
    let variant = d
        .details
        .get("variant")
        .and_then(Value::as_str)
        .unwrap_or("");
    format!(
        "{}\u{1f}{}\u{1f}{variant}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        d.source.as_str(),
        d.rule_id,
        part(&e.host),
        part(&e.user),
        part(&e.source_ip),
        part(&e.destination_ip)
    )
}

impl AlertStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS alerts (
                id INTEGER PRIMARY KEY,
                dedupe_key TEXT NOT NULL,
                source TEXT NOT NULL,
                rule_id TEXT NOT NULL,
                title TEXT NOT NULL,
                level INTEGER NOT NULL,
                tags TEXT NOT NULL,
                author TEXT,
                entities TEXT NOT NULL,
                event_ids TEXT NOT NULL,
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL,
                count INTEGER NOT NULL,
                status TEXT NOT NULL DEFAULT 'open',
                details TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS alerts_key ON alerts(dedupe_key, last_seen);
             CREATE INDEX IF NOT EXISTS alerts_last ON alerts(last_seen);
             CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule_id, id);
             CREATE TABLE IF NOT EXISTS alert_entities (
                alert_id INTEGER NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (value, alert_id)
             ) WITHOUT ROWID;",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: every change
        // is inside a transaction that rolls back on drop.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records detections in one transaction; returns what happened to each.
    pub fn record(
        &self,
        detections: &[Detection],
        window: Duration,
    ) -> Result<Vec<Recorded>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(detections.len());
        for d in detections {
            let key = dedupe_key(d);
            let since = time::ecs_timestamp(d.timestamp - window);
            let existing: Option<(i64, String, String, String)> = tx
                .query_row(
                    "SELECT id, event_ids, first_seen, last_seen FROM alerts
                     WHERE dedupe_key = ?1 AND status = 'open' AND last_seen >= ?2
                     ORDER BY id DESC LIMIT 1",
                    params![key, since],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let stamp = time::ecs_timestamp(d.timestamp);
            match existing {
                Some((id, ids, first, last)) => {
                    let mut ids: Vec<String> = serde_json::from_str(&ids).unwrap_or_default();
                    for e in &d.event_ids {
                        if ids.len() < MAX_EVENT_IDS && !ids.contains(e) {
                            ids.push(e.clone());
                        }
                    }
                    let first = if stamp < first { stamp.clone() } else { first };
                    let last = if stamp > last { stamp } else { last };
                    tx.execute(
                        "UPDATE alerts SET count = count + 1, event_ids = ?2, first_seen = ?3, last_seen = ?4
                         WHERE id = ?1",
                        params![id, serde_json::to_string(&ids)?, first, last],
                    )?;
                    out.push(Recorded::Updated(id));
                }
                None => {
                    tx.execute(
                        "INSERT INTO alerts (dedupe_key, source, rule_id, title, level, tags, author,
                            entities, event_ids, first_seen, last_seen, count, details)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, 1, ?11)",
                        params![
                            key,
                            d.source.as_str(),
                            d.rule_id,
                            d.title,
                            level_rank(d.level),
                            serde_json::to_string(&d.tags)?,
                            d.author,
                            serde_json::to_string(&d.entities)?,
                            serde_json::to_string(&d.event_ids)?,
                            stamp,
                            serde_json::to_string(&d.details)?,
                        ],
                    )?;
                    let id = tx.last_insert_rowid();
                    for v in entity_values(&d.entities) {
                        tx.execute(
                            "INSERT OR IGNORE INTO alert_entities (alert_id, value) VALUES (?1, ?2)",
                            params![id, v],
                        )?;
                    }
                    out.push(Recorded::Opened(id));
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }

    pub fn get(&self, id: i64) -> Result<Option<Alert>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!("{SELECT} WHERE id = ?1"))?;
        Ok(stmt.query_row(params![id], row_to_alert).optional()?)
    }

    /// Newest first.
    pub fn list(&self, f: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let mut clauses: Vec<&str> = Vec::new();
        let mut values: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(l) = f.min_level {
            clauses.push("level >= ?");
            values.push(Box::new(level_rank(l)));
        }
        if let Some(r) = &f.rule_id {
            clauses.push("rule_id = ?");
            values.push(Box::new(r.clone()));
        }
        if let Some(s) = f.source {
            clauses.push("source = ?");
            values.push(Box::new(s.as_str()));
        }
        if let Some(s) = &f.status {
            clauses.push("status = ?");
            values.push(Box::new(s.clone()));
        }
        if let Some(e) = &f.entity {
            clauses.push("id IN (SELECT alert_id FROM alert_entities WHERE value = ?)");
            values.push(Box::new(e.clone()));
        }
        if let Some(t) = f.from {
            clauses.push("last_seen >= ?");
            values.push(Box::new(time::ecs_timestamp(t)));
        }
        if let Some(t) = f.to {
            clauses.push("last_seen < ?");
            values.push(Box::new(time::ecs_timestamp(t)));
        }
        if let Some(b) = f.before_id {
            clauses.push("id < ?");
            values.push(Box::new(b));
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "{SELECT}{filter} ORDER BY id DESC LIMIT {}",
            f.limit.clamp(1, 1000)
        );
        let conn = self.lock();
        let mut stmt = conn.prepare(&sql)?;
        let refs: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref()).collect();
        let rows = stmt.query_map(refs.as_slice(), row_to_alert)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Alerts opened after `after_id`, oldest first: how automation walks new alerts.
    pub fn opened_after(&self, after_id: i64, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!(
            "{SELECT} WHERE id > ?1 ORDER BY id ASC LIMIT {}",
            limit.clamp(1, 10_000)
        ))?;
        let rows = stmt.query_map(params![after_id], row_to_alert)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn count(&self) -> Result<u64, StoreError> {
        let conn = self.lock();
        Ok(conn.query_row("SELECT count(*) FROM alerts", [], |r| r.get::<_, i64>(0))? as u64)
    }
}

const SELECT: &str = "SELECT id, source, rule_id, title, level, tags, author, entities, event_ids,
    first_seen, last_seen, count, status, details FROM alerts";

fn row_to_alert(r: &rusqlite::Row<'_>) -> rusqlite::Result<Alert> {
    let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let stamp = |i: usize| -> rusqlite::Result<DateTime<Utc>> {
        let s: String = r.get(i)?;
        Ok(time::parse_timestamp(&s).unwrap_or_default())
    };
    Ok(Alert {
        id: r.get(0)?,
        source: source_from(&r.get::<_, String>(1)?),
        rule_id: r.get(2)?,
        title: r.get(3)?,
        level: level_from_rank(r.get(4)?),
        tags: serde_json::from_str(&json(5)?).unwrap_or_default(),
        author: r.get(6)?,
        entities: serde_json::from_str(&json(7)?).unwrap_or_default(),
        event_ids: serde_json::from_str(&json(8)?).unwrap_or_default(),
        first_seen: stamp(9)?,
        last_seen: stamp(10)?,
        count: r.get::<_, i64>(11)? as u64,
        status: r.get(12)?,
        details: serde_json::from_str(&json(13)?).unwrap_or_default(),
    })
}

fn entity_values(e: &Entities) -> Vec<String> {
    [
        &e.source_ip,
        &e.destination_ip,
        &e.user,
        &e.host,
        &e.process,
        &e.file,
        &e.domain,
        &e.url,
        &e.hash,
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .cloned()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn detection(rule: &str, host: &str, secs: i64) -> Detection {
        Detection {
            source: DetectionSource::Sigma,
            rule_id: rule.into(),
            title: format!("rule {rule}"),
            level: Level::High,
            tags: vec!["attack.t1059".into()],
            author: Some("someone".into()),
            timestamp: Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
            entities: Entities {
                host: Some(host.into()),
                ..Entities::default()
            },
            event_ids: vec![format!("e{secs}")],
            details: Map::new(),
        }
    }

    #[test]
    fn dedupes_within_the_window_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let store = AlertStore::open(&dir.path().join("alerts.db")).unwrap();
        let w = Duration::minutes(10);
        let r = store
            .record(
                &[
                    detection("a", "h1", 0),
                    detection("a", "h1", 60),
                    detection("a", "h2", 60),
                ],
                w,
            )
            .unwrap();
        assert!(matches!(r[0], Recorded::Opened(_)));
        assert_eq!(
            r[1],
            Recorded::Updated(match r[0] {
                Recorded::Opened(id) => id,
                _ => unreachable!(),
            })
        );
        assert!(matches!(r[2], Recorded::Opened(_)));
        // Past the window: a new alert.
        let r = store
            .record(&[detection("a", "h1", 60 + 11 * 60)], w)
            .unwrap();
        assert!(matches!(r[0], Recorded::Opened(_)));
        assert_eq!(store.count().unwrap(), 3);
        let all = store
            .list(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .unwrap();
        assert_eq!(all.len(), 3);
        let first = all.iter().find(|a| a.count == 2).unwrap();
        assert_eq!(first.event_ids, vec!["e0", "e60"]);
        assert_eq!(first.author.as_deref(), Some("someone"));
        let h2 = store
            .list(&AlertFilter {
                entity: Some("h2".into()),
                limit: 10,
                ..AlertFilter::default()
            })
            .unwrap();
        assert_eq!(h2.len(), 1);
        let crit = store
            .list(&AlertFilter {
                min_level: Some(Level::Critical),
                limit: 10,
                ..AlertFilter::default()
            })
            .unwrap();
        assert!(crit.is_empty());
        assert_eq!(store.get(first.id).unwrap().unwrap().id, first.id);
        assert!(store.get(999).unwrap().is_none());
    }
}
