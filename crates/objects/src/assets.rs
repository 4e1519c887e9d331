//! The asset inventory: approved assets typed in, imported from CSV or discovered, and
//! shadow assets (`approved == false`) that traffic or scans showed but nobody listed.
//!
//! Each address belongs to at most one asset (`asset_ips`), which is what lets events
//! and scan findings be linked to an asset by IP.

pub(crate) mod csv_io;
mod sighting;
#[cfg(test)]
mod tests;

use crate::{ObjectError, ObjectStore, Page, PageRequest, SortOrder};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use steward_secops::asset::{normalize_mac, AssetKind, Cia};
use utoipa::{IntoParams, ToSchema};

pub use csv_io::{CsvImportSummary, CSV_COLUMNS};
pub use sighting::AssetIndex;
pub(crate) use sighting::{merge_sighting, sight_all};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS assets (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    ips TEXT NOT NULL DEFAULT '[]',
    hostnames TEXT NOT NULL DEFAULT '[]',
    macs TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    os TEXT,
    owner TEXT,
    department TEXT,
    location TEXT,
    business_system TEXT,
    confidentiality INTEGER NOT NULL,
    integrity INTEGER NOT NULL,
    availability INTEGER NOT NULL,
    criticality INTEGER NOT NULL,
    source TEXT NOT NULL,
    approved INTEGER NOT NULL,
    first_seen INTEGER,
    last_seen INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS assets_name ON assets(name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS assets_kind ON assets(kind, id);
CREATE INDEX IF NOT EXISTS assets_source ON assets(source, id);
CREATE INDEX IF NOT EXISTS assets_approved ON assets(approved, id);
CREATE INDEX IF NOT EXISTS assets_criticality ON assets(criticality, id);
CREATE INDEX IF NOT EXISTS assets_last_seen ON assets(last_seen, id);
CREATE TABLE IF NOT EXISTS asset_ips (
    ip TEXT PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS asset_ips_asset ON asset_ips(asset_id);
";

const NAME_MAX: usize = 200;
const TEXT_MAX: usize = 500;
const LIST_MAX: usize = 256;

/// How an asset came into the inventory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetSource {
    Manual,
    Csv,
    Discovered,
    Scan,
    Agent,
}

impl AssetSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Csv => "csv",
            Self::Discovered => "discovered",
            Self::Scan => "scan",
            Self::Agent => "agent",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "manual" => Self::Manual,
            "csv" => Self::Csv,
            "discovered" => Self::Discovered,
            "scan" => Self::Scan,
            "agent" => Self::Agent,
            _ => return None,
        })
    }
}

pub(crate) fn kind_str(kind: AssetKind) -> &'static str {
    match kind {
        AssetKind::Server => "server",
        AssetKind::Workstation => "workstation",
        AssetKind::NetworkDevice => "network_device",
        AssetKind::SecurityDevice => "security_device",
        AssetKind::WebApplication => "web_application",
        AssetKind::Domain => "domain",
        AssetKind::CloudResource => "cloud_resource",
    }
}

pub(crate) fn parse_kind(s: &str) -> Option<AssetKind> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "server" => AssetKind::Server,
        "workstation" => AssetKind::Workstation,
        "network_device" => AssetKind::NetworkDevice,
        "security_device" => AssetKind::SecurityDevice,
        "web_application" => AssetKind::WebApplication,
        "domain" => AssetKind::Domain,
        "cloud_resource" => AssetKind::CloudResource,
        _ => return None,
    })
}

/// Stored times are microseconds since the epoch: they sort and compare in SQL.
pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Only a damaged database holds out-of-range times; they read as the epoch.
pub(crate) fn from_ts(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// `LIKE` pattern matching `s` anywhere, with its wildcards taken literally (`ESCAPE '\'`).
pub(crate) fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AssetRecord {
    pub id: i64,
    pub kind: AssetKind,
    pub name: String,
    pub ips: Vec<String>,
    pub hostnames: Vec<String>,
    pub macs: Vec<String>,
    pub os: Option<String>,
    pub owner: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub business_system: Option<String>,
    pub confidentiality: u8,
    pub integrity: u8,
    pub availability: u8,
    /// Derived from the CIA ratings (GB/T 20984 asset value, 1-5).
    pub criticality: u8,
    pub tags: Vec<String>,
    pub source: AssetSource,
    /// `false`: a shadow asset, seen in traffic or scans but not in the approved inventory.
    pub approved: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a person types in (create or replace).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetInput {
    pub kind: AssetKind,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[serde(default)]
    pub ips: Vec<String>,
    #[serde(default)]
    pub hostnames: Vec<String>,
    #[serde(default)]
    pub macs: Vec<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub business_system: Option<String>,
    /// 1-5, default 3.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5)]
    pub confidentiality: Option<u8>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5)]
    pub integrity: Option<u8>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5)]
    pub availability: Option<u8>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Default true on create; left as it was on update when absent.
    #[serde(default)]
    pub approved: Option<bool>,
}

impl AssetInput {
    /// A minimal input: the given kind and name, everything else empty.
    pub fn new(kind: AssetKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
            ips: Vec::new(),
            hostnames: Vec::new(),
            macs: Vec::new(),
            os: None,
            owner: None,
            department: None,
            location: None,
            business_system: None,
            confidentiality: None,
            integrity: None,
            availability: None,
            tags: Vec::new(),
            approved: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetSort {
    Id,
    Name,
    Criticality,
    LastSeen,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetFilter {
    /// Substring of the name, a host name or an address.
    pub q: Option<String>,
    pub kind: Option<AssetKind>,
    /// Exact address.
    pub ip: Option<String>,
    pub source: Option<AssetSource>,
    pub approved: Option<bool>,
    /// 1 to 5.
    #[serde(default, deserialize_with = "crate::criticality_param")]
    #[param(minimum = 1, maximum = 5)]
    pub min_criticality: Option<u8>,
    pub tag: Option<String>,
    pub sort: Option<AssetSort>,
    pub order: Option<SortOrder>,
    /// 1 to 500; default 50.
    #[serde(default, deserialize_with = "crate::limit_param")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    #[serde(default, deserialize_with = "crate::offset_param")]
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub offset: Option<u64>,
}

impl AssetFilter {
    pub fn page(&self) -> PageRequest {
        PageRequest {
            limit: self.limit,
            offset: self.offset,
        }
    }

    /// `WHERE ...` (possibly empty) and its parameters.
    fn where_sql(&self) -> (String, Vec<Value>) {
        let mut clauses: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let p = like_pattern(q);
            clauses.push(
                "(name LIKE ? ESCAPE '\\' OR hostnames LIKE ? ESCAPE '\\' OR ips LIKE ? ESCAPE '\\')"
                    .into(),
            );
            params.extend([
                Value::Text(p.clone()),
                Value::Text(p.clone()),
                Value::Text(p),
            ]);
        }
        if let Some(kind) = self.kind {
            clauses.push("kind = ?".into());
            params.push(Value::Text(kind_str(kind).into()));
        }
        if let Some(ip) = self.ip.as_deref().map(str::trim) {
            let ip = ip
                .parse::<IpAddr>()
                .map_or_else(|_| ip.to_string(), |a| a.to_canonical().to_string());
            clauses.push("id IN (SELECT asset_id FROM asset_ips WHERE ip = ?)".into());
            params.push(Value::Text(ip));
        }
        if let Some(source) = self.source {
            clauses.push("source = ?".into());
            params.push(Value::Text(source.as_str().into()));
        }
        if let Some(approved) = self.approved {
            clauses.push("approved = ?".into());
            params.push(Value::Integer(i64::from(approved)));
        }
        if let Some(min) = self.min_criticality {
            clauses.push("criticality >= ?".into());
            params.push(Value::Integer(i64::from(min)));
        }
        if let Some(tag) = self.tag.as_deref().map(str::trim) {
            clauses.push("EXISTS (SELECT 1 FROM json_each(assets.tags) WHERE value = ?)".into());
            params.push(Value::Text(tag.into()));
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        (sql, params)
    }

    fn order_sql(&self) -> String {
        let dir = self.order.unwrap_or(SortOrder::Asc).sql();
        match self.sort.unwrap_or(AssetSort::Id) {
            AssetSort::Id => format!("ORDER BY id {dir}"),
            AssetSort::Name => format!("ORDER BY name COLLATE NOCASE {dir}, id {dir}"),
            AssetSort::Criticality => format!("ORDER BY criticality {dir}, id {dir}"),
            AssetSort::LastSeen => format!("ORDER BY last_seen {dir}, id {dir}"),
        }
    }
}

pub(crate) const ASSET_COLS: &str = "id, kind, name, ips, hostnames, macs, os, owner, department, \
    location, business_system, confidentiality, integrity, availability, criticality, tags, source, \
    approved, first_seen, last_seen, created_at, updated_at";

fn json_list(text: &str) -> Result<Vec<String>, ObjectError> {
    Ok(serde_json::from_str(text)?)
}

pub(crate) fn asset_from_row(row: &Row<'_>) -> Result<AssetRecord, ObjectError> {
    let kind: String = row.get(1)?;
    let source: String = row.get(16)?;
    Ok(AssetRecord {
        id: row.get(0)?,
        kind: parse_kind(&kind)
            .ok_or_else(|| ObjectError::invalid("kind", format!("stored kind {kind:?}")))?,
        name: row.get(2)?,
        ips: json_list(&row.get::<_, String>(3)?)?,
        hostnames: json_list(&row.get::<_, String>(4)?)?,
        macs: json_list(&row.get::<_, String>(5)?)?,
        os: row.get(6)?,
        owner: row.get(7)?,
        department: row.get(8)?,
        location: row.get(9)?,
        business_system: row.get(10)?,
        confidentiality: row.get(11)?,
        integrity: row.get(12)?,
        availability: row.get(13)?,
        criticality: row.get(14)?,
        tags: json_list(&row.get::<_, String>(15)?)?,
        source: AssetSource::parse(&source)
            .ok_or_else(|| ObjectError::invalid("source", format!("stored source {source:?}")))?,
        approved: row.get(17)?,
        first_seen: row.get::<_, Option<i64>>(18)?.map(from_ts),
        last_seen: row.get::<_, Option<i64>>(19)?.map(from_ts),
        created_at: from_ts(row.get(20)?),
        updated_at: from_ts(row.get(21)?),
    })
}

pub(crate) fn load_asset(conn: &Connection, id: i64) -> Result<AssetRecord, ObjectError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {ASSET_COLS} FROM assets WHERE id = ?1"))?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => asset_from_row(row),
        None => Err(ObjectError::not_found("asset", id)),
    }
}

/// An input that passed validation, in stored form.
#[derive(Clone, Debug)]
pub(crate) struct ValidAsset {
    pub kind: AssetKind,
    pub name: String,
    pub ips: Vec<String>,
    pub hostnames: Vec<String>,
    pub macs: Vec<String>,
    pub os: Option<String>,
    pub owner: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub business_system: Option<String>,
    pub cia: Cia,
    pub tags: Vec<String>,
}

fn opt_text(field: &str, v: &Option<String>) -> Result<Option<String>, ObjectError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > TEXT_MAX => Err(ObjectError::invalid(
            field,
            format!("longer than {TEXT_MAX} characters"),
        )),
        Some(s) => Ok(Some(s.to_string())),
    }
}

/// Trimmed, without empties and repeats, order kept.
fn list(field: &str, items: &[String], max_len: usize) -> Result<Vec<String>, ObjectError> {
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item.chars().count() > max_len {
            return Err(ObjectError::invalid(
                field,
                format!("{item:?} is longer than {max_len} characters"),
            ));
        }
        if !out.iter().any(|o| o == item) {
            out.push(item.to_string());
        }
    }
    if out.len() > LIST_MAX {
        return Err(ObjectError::invalid(
            field,
            format!("more than {LIST_MAX} entries"),
        ));
    }
    Ok(out)
}

fn valid_mac(mac: &str) -> bool {
    let hex = mac.chars().filter(char::is_ascii_hexdigit).count();
    mac.chars()
        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        && hex == 12
}

pub(crate) fn validate(input: &AssetInput) -> Result<ValidAsset, ObjectError> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(ObjectError::invalid("name", "must not be empty"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(ObjectError::invalid(
            "name",
            format!("longer than {NAME_MAX} characters"),
        ));
    }
    let mut ips = Vec::new();
    for raw in list("ips", &input.ips, 64)? {
        let ip: IpAddr = raw
            .parse()
            .map_err(|_| ObjectError::invalid("ips", format!("{raw:?} is not an IP address")))?;
        let text = ip.to_canonical().to_string();
        if !ips.contains(&text) {
            ips.push(text);
        }
    }
    let mut macs = Vec::new();
    for raw in list("macs", &input.macs, 64)? {
        let mac = normalize_mac(&raw);
        if !valid_mac(&mac) {
            return Err(ObjectError::invalid(
                "macs",
                format!("{raw:?} is not a MAC address"),
            ));
        }
        if !macs.contains(&mac) {
            macs.push(mac);
        }
    }
    let cia = Cia::new(
        input.confidentiality.unwrap_or(3),
        input.integrity.unwrap_or(3),
        input.availability.unwrap_or(3),
    )
    .map_err(|e| {
        let steward_secops::asset::AssetError::Rating { field, .. } = &e;
        ObjectError::invalid(*field, e.to_string())
    })?;
    Ok(ValidAsset {
        kind: input.kind,
        name: name.to_string(),
        ips,
        hostnames: list("hostnames", &input.hostnames, 255)?,
        macs,
        os: opt_text("os", &input.os)?,
        owner: opt_text("owner", &input.owner)?,
        department: opt_text("department", &input.department)?,
        location: opt_text("location", &input.location)?,
        business_system: opt_text("business_system", &input.business_system)?,
        cia,
        tags: list("tags", &input.tags, 64)?,
    })
}

/// Gives `asset_id` exactly `ips`; an address another asset holds is a conflict.
pub(crate) fn claim_ips(
    conn: &Connection,
    asset_id: i64,
    ips: &[String],
) -> Result<(), ObjectError> {
    conn.prepare_cached("DELETE FROM asset_ips WHERE asset_id = ?1")?
        .execute([asset_id])?;
    let mut owner = conn.prepare_cached("SELECT asset_id FROM asset_ips WHERE ip = ?1")?;
    let mut insert = conn.prepare_cached("INSERT INTO asset_ips (ip, asset_id) VALUES (?1, ?2)")?;
    for ip in ips {
        if let Some(other) = owner.query_row([ip], |r| r.get::<_, i64>(0)).optional()? {
            return Err(ObjectError::Conflict {
                message: format!("address {ip} already belongs to asset {other}"),
                allowed: Vec::new(),
            });
        }
        insert.execute(rusqlite::params![ip, asset_id])?;
    }
    Ok(())
}

/// Everything an insert needs beyond the validated input.
pub(crate) struct NewAsset {
    pub source: AssetSource,
    pub approved: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// The 15 editable columns in `EDITABLE_COLUMNS` order, for both insert and update.
fn editable_values(v: &ValidAsset) -> Result<Vec<rusqlite::types::Value>, ObjectError> {
    use rusqlite::types::Value;
    let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
    Ok(vec![
        Value::Text(kind_str(v.kind).to_owned()),
        Value::Text(v.name.clone()),
        Value::Text(serde_json::to_string(&v.ips)?),
        Value::Text(serde_json::to_string(&v.hostnames)?),
        Value::Text(serde_json::to_string(&v.macs)?),
        Value::Text(serde_json::to_string(&v.tags)?),
        text(&v.os),
        text(&v.owner),
        text(&v.department),
        text(&v.location),
        text(&v.business_system),
        Value::Integer(v.cia.confidentiality().into()),
        Value::Integer(v.cia.integrity().into()),
        Value::Integer(v.cia.availability().into()),
        Value::Integer(v.cia.criticality().into()),
    ])
}

const EDITABLE_COLUMNS: [&str; 15] = [
    "kind",
    "name",
    "ips",
    "hostnames",
    "macs",
    "tags",
    "os",
    "owner",
    "department",
    "location",
    "business_system",
    "confidentiality",
    "integrity",
    "availability",
    "criticality",
];

pub(crate) fn insert_asset(
    conn: &Connection,
    v: &ValidAsset,
    n: &NewAsset,
) -> Result<i64, ObjectError> {
    use rusqlite::types::Value;
    let mut values = editable_values(v)?;
    let time = |t: Option<DateTime<Utc>>| t.map_or(Value::Null, |t| Value::Integer(ts(t)));
    values.extend([
        Value::Text(n.source.as_str().to_owned()),
        Value::Integer(n.approved.into()),
        time(n.first_seen),
        time(n.last_seen),
        Value::Integer(ts(n.now)),
        Value::Integer(ts(n.now)),
    ]);
    let sql = format!(
        "INSERT INTO assets ({}, source, approved, first_seen, last_seen, created_at, updated_at)
         VALUES ({})",
        EDITABLE_COLUMNS.join(", "),
        vec!["?"; values.len()].join(", ")
    );
    conn.prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(values))?;
    let id = conn.last_insert_rowid();
    claim_ips(conn, id, &v.ips)?;
    Ok(id)
}

/// Replaces the editable fields of asset `id`; `approved: None` keeps the flag.
pub(crate) fn replace_asset(
    conn: &Connection,
    id: i64,
    v: &ValidAsset,
    approved: Option<bool>,
    now: DateTime<Utc>,
) -> Result<(), ObjectError> {
    use rusqlite::types::Value;
    let mut values = editable_values(v)?;
    values.extend([
        approved.map_or(Value::Null, |a| Value::Integer(a.into())),
        Value::Integer(ts(now)),
        Value::Integer(id),
    ]);
    let sets: Vec<String> = EDITABLE_COLUMNS
        .iter()
        .map(|c| format!("{c} = ?"))
        .collect();
    let sql = format!(
        "UPDATE assets SET {}, approved = COALESCE(?, approved), updated_at = ? WHERE id = ?",
        sets.join(", ")
    );
    let changed = conn
        .prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(values))?;
    if changed == 0 {
        return Err(ObjectError::not_found("asset", id));
    }
    claim_ips(conn, id, &v.ips)
}

impl ObjectStore {
    pub fn create_asset(
        &self,
        input: &AssetInput,
        source: AssetSource,
        now: DateTime<Utc>,
    ) -> Result<AssetRecord, ObjectError> {
        let v = validate(input)?;
        self.write(|tx| {
            let id = insert_asset(
                tx,
                &v,
                &NewAsset {
                    source,
                    approved: input.approved.unwrap_or(true),
                    first_seen: None,
                    last_seen: None,
                    now,
                },
            )?;
            load_asset(tx, id)
        })
    }

    pub fn get_asset(&self, id: i64) -> Result<AssetRecord, ObjectError> {
        self.read(|conn| load_asset(conn, id))
    }

    /// Replaces the editable fields; source, first/last seen and creation time stay.
    pub fn update_asset(
        &self,
        id: i64,
        input: &AssetInput,
        now: DateTime<Utc>,
    ) -> Result<AssetRecord, ObjectError> {
        let v = validate(input)?;
        self.write(|tx| {
            replace_asset(tx, id, &v, input.approved, now)?;
            load_asset(tx, id)
        })
    }

    pub fn delete_asset(&self, id: i64) -> Result<(), ObjectError> {
        self.write(|tx| {
            // Vulnerabilities keep their address; only the link goes.
            match tx.execute("DELETE FROM assets WHERE id = ?1", [id])? {
                0 => Err(ObjectError::not_found("asset", id)),
                _ => Ok(()),
            }
        })
    }

    /// Takes a shadow asset into the approved inventory.
    pub fn approve_asset(&self, id: i64, now: DateTime<Utc>) -> Result<AssetRecord, ObjectError> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE assets SET approved = 1, updated_at = ?1 WHERE id = ?2",
                rusqlite::params![ts(now), id],
            )?;
            if n == 0 {
                return Err(ObjectError::not_found("asset", id));
            }
            load_asset(tx, id)
        })
    }

    pub fn list_assets(&self, filter: &AssetFilter) -> Result<Page<AssetRecord>, ObjectError> {
        let page = filter.page();
        let (where_sql, mut params) = filter.where_sql();
        self.read(|conn| {
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM assets {where_sql}"),
                rusqlite::params_from_iter(params.iter()),
                |r| r.get(0),
            )?;
            params.push(Value::Integer(i64::from(page.limit())));
            params.push(Value::Integer(page.offset_i64()));
            let mut stmt = conn.prepare(&format!(
                "SELECT {ASSET_COLS} FROM assets {where_sql} {} LIMIT ? OFFSET ?",
                filter.order_sql()
            ))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
            let mut items = Vec::new();
            while let Some(row) = rows.next()? {
                items.push(asset_from_row(row)?);
            }
            Ok(page.page(items, u64::try_from(total).unwrap_or(0)))
        })
    }

    /// The assets with these ids, by id; unknown ids are left out.
    pub fn assets_by_ids(&self, ids: &[i64]) -> Result<Vec<AssetRecord>, ObjectError> {
        let ids_json = serde_json::to_string(ids)?;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ASSET_COLS} FROM assets WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id"
            ))?;
            let mut rows = stmt.query([ids_json])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(asset_from_row(row)?);
            }
            Ok(out)
        })
    }
}
