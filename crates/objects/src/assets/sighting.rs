//! Assets seen alive (in events or scans): known addresses get their last-seen time and
//! missing details; unknown addresses become shadow assets.

use super::{insert_asset, load_asset, AssetSource, NewAsset, ValidAsset, NAME_MAX};
use crate::assets::{ts, AssetRecord};
use crate::{ObjectError, ObjectStore};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use steward_secops::asset::{normalize_mac, AssetKind, AssetObservation, Cia};

/// What all sightings of one address in a batch said, merged.
#[derive(Clone, Debug)]
pub(crate) struct Sighting {
    pub hostname: Option<String>,
    pub mac: Option<String>,
    pub os: Option<String>,
    /// Earliest and latest sighting in the batch.
    pub first_at: DateTime<Utc>,
    pub seen_at: DateTime<Utc>,
}

fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Adds one sighting: the latest time wins, the first non-empty detail is kept.
pub(crate) fn merge_sighting(
    map: &mut BTreeMap<IpAddr, Sighting>,
    ip: IpAddr,
    hostname: Option<&str>,
    mac: Option<&str>,
    os: Option<&str>,
    seen_at: DateTime<Utc>,
) {
    let mac = clean(mac).map(|m| normalize_mac(&m));
    let entry = map.entry(ip.to_canonical()).or_insert_with(|| Sighting {
        hostname: None,
        mac: None,
        os: None,
        first_at: seen_at,
        seen_at,
    });
    entry.first_at = entry.first_at.min(seen_at);
    entry.seen_at = entry.seen_at.max(seen_at);
    if entry.hostname.is_none() {
        entry.hostname = clean(hostname);
    }
    if entry.mac.is_none() {
        entry.mac = mac;
    }
    if entry.os.is_none() {
        entry.os = clean(os);
    }
}

/// Server only where the operating system says so; anything else counts as a workstation
/// until a person classifies it.
fn guess_kind(os: Option<&str>) -> AssetKind {
    let os = os.unwrap_or_default().to_ascii_lowercase();
    if ["server", "esxi", "red hat enterprise", "centos"]
        .iter()
        .any(|k| os.contains(k))
    {
        AssetKind::Server
    } else {
        AssetKind::Workstation
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Records every sighting in `map` (one transaction is the caller's). Returns the asset id
/// of each address and the ids of the assets created.
pub(crate) fn sight_all(
    conn: &Connection,
    map: &BTreeMap<IpAddr, Sighting>,
    source: AssetSource,
) -> Result<(HashMap<IpAddr, i64>, Vec<i64>), ObjectError> {
    let mut lookup = conn.prepare_cached("SELECT asset_id FROM asset_ips WHERE ip = ?1")?;
    let mut update = conn.prepare_cached(
        "UPDATE assets SET
            last_seen = MAX(COALESCE(last_seen, ?1), ?1),
            first_seen = MIN(COALESCE(first_seen, ?6), ?6),
            hostnames = CASE WHEN hostnames = '[]' AND ?2 IS NOT NULL THEN ?2 ELSE hostnames END,
            macs = CASE WHEN macs = '[]' AND ?3 IS NOT NULL THEN ?3 ELSE macs END,
            os = COALESCE(os, ?4)
         WHERE id = ?5",
    )?;
    let mut ids = HashMap::with_capacity(map.len());
    let mut created = Vec::new();
    for (ip, s) in map {
        let ip_text = ip.to_string();
        let known: Option<i64> = lookup.query_row([&ip_text], |r| r.get(0)).optional()?;
        let hostname_json = s
            .hostname
            .as_ref()
            .map(|h| serde_json::to_string(&[h]))
            .transpose()?;
        let mac_json = s
            .mac
            .as_ref()
            .map(|m| serde_json::to_string(&[m]))
            .transpose()?;
        if let Some(id) = known {
            update.execute(rusqlite::params![
                ts(s.seen_at),
                hostname_json,
                mac_json,
                s.os,
                id,
                ts(s.first_at)
            ])?;
            ids.insert(*ip, id);
            continue;
        }
        let v = ValidAsset {
            kind: guess_kind(s.os.as_deref()),
            name: truncate(s.hostname.as_deref().unwrap_or(&ip_text), NAME_MAX),
            ips: vec![ip_text.clone()],
            hostnames: s.hostname.iter().map(|h| truncate(h, 255)).collect(),
            macs: s.mac.iter().cloned().collect(),
            os: s.os.as_deref().map(|o| truncate(o, super::TEXT_MAX)),
            owner: None,
            department: None,
            location: None,
            business_system: None,
            cia: Cia::default(),
            tags: Vec::new(),
        };
        let id = insert_asset(
            conn,
            &v,
            &NewAsset {
                source,
                approved: false,
                first_seen: Some(s.first_at),
                last_seen: Some(s.seen_at),
                now: s.first_at,
            },
        )?;
        ids.insert(*ip, id);
        created.push(id);
    }
    Ok((ids, created))
}

/// A snapshot of which asset holds which address, for linking many events cheaply.
#[derive(Clone, Debug, Default)]
pub struct AssetIndex {
    by_ip: HashMap<IpAddr, i64>,
}

impl AssetIndex {
    pub fn lookup(&self, ip: IpAddr) -> Option<i64> {
        self.by_ip.get(&ip.to_canonical()).copied()
    }
    pub fn len(&self) -> usize {
        self.by_ip.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_ip.is_empty()
    }
}

impl ObjectStore {
    /// Records a batch of sightings in one transaction; returns the shadow assets it created.
    pub fn observe_assets(
        &self,
        observations: &[AssetObservation],
    ) -> Result<Vec<AssetRecord>, ObjectError> {
        if observations.is_empty() {
            return Ok(Vec::new());
        }
        let mut map = BTreeMap::new();
        for o in observations {
            merge_sighting(
                &mut map,
                o.ip,
                o.hostname.as_deref(),
                o.mac.as_deref(),
                o.os.as_deref(),
                o.seen_at,
            );
        }
        self.write(|tx| {
            let (_, created) = sight_all(tx, &map, AssetSource::Discovered)?;
            created.into_iter().map(|id| load_asset(tx, id)).collect()
        })
    }

    pub fn asset_index(&self) -> Result<AssetIndex, ObjectError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT ip, asset_id FROM asset_ips")?;
            let mut rows = stmt.query([])?;
            let mut by_ip = HashMap::new();
            while let Some(row) = rows.next()? {
                let ip: String = row.get(0)?;
                // Addresses are validated on the way in; anything else is skipped, not fatal.
                if let Ok(addr) = ip.parse::<IpAddr>() {
                    by_ip.insert(addr.to_canonical(), row.get(1)?);
                }
            }
            Ok(AssetIndex { by_ip })
        })
    }
}
