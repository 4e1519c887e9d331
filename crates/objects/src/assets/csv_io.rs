//! Inventory spreadsheets in and out. Import is all or nothing: the first bad row names
//! its line and nothing is stored.

use super::{
    insert_asset, kind_str, load_asset, parse_kind, replace_asset, validate, AssetFilter,
    AssetInput, AssetRecord, AssetSource, NewAsset, ASSET_COLS,
};
use crate::{ObjectError, ObjectStore};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use steward_secops::asset::AssetKind;
use utoipa::ToSchema;

/// The columns, in the order export writes them.
pub const CSV_COLUMNS: [&str; 14] = [
    "kind",
    "name",
    "ips",
    "hostnames",
    "macs",
    "os",
    "owner",
    "department",
    "location",
    "business_system",
    "confidentiality",
    "integrity",
    "availability",
    "tags",
];

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CsvImportSummary {
    pub created: u64,
    pub updated: u64,
}

struct CsvRow {
    line: u64,
    /// Indexed like [`CSV_COLUMNS`]; `None` where the file has no such column.
    cells: [Option<String>; 14],
}

fn csv_error(line: u64, message: impl Into<String>) -> ObjectError {
    ObjectError::Csv {
        line,
        message: message.into(),
    }
}

/// The 1-based line where the record at `pos` starts. The csv crate's own line count
/// leaves out blank lines, which would point people at the wrong row.
fn line_of(bytes: &[u8], pos: &csv::Position) -> u64 {
    let start = usize::try_from(pos.byte())
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let skipped = bytes[start..]
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    let before = bytes[..start].iter().filter(|b| **b == b'\n').count();
    (before + skipped + 1) as u64
}

/// Parses and validates every row as an import would, storing nothing; how many rows.
/// (The fuzz target's entry: the checks an upload meets before any database work.)
pub(crate) fn check_rows(bytes: &[u8]) -> Result<usize, ObjectError> {
    let rows = parse_rows(bytes)?;
    for row in &rows {
        let input = row_input(row, None).map_err(|m| csv_error(row.line, m))?;
        super::validate(&input).map_err(|e| csv_error(row.line, e.to_string()))?;
    }
    Ok(rows.len())
}

fn parse_rows(bytes: &[u8]) -> Result<Vec<CsvRow>, ObjectError> {
    // Spreadsheets saved as "CSV UTF-8" start with a byte-order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(e.position().map_or(1, |p| line_of(bytes, p)), e.to_string()))?
        .clone();
    let header_line = headers.position().map_or(1, |p| line_of(bytes, p));
    let mut columns: Vec<usize> = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let name = h.trim().to_ascii_lowercase();
        let Some(i) = CSV_COLUMNS.iter().position(|c| *c == name) else {
            return Err(csv_error(
                header_line,
                format!(
                    "unknown column {h:?}; columns are {}",
                    CSV_COLUMNS.join(",")
                ),
            ));
        };
        if columns.contains(&i) {
            return Err(csv_error(
                header_line,
                format!("column {h:?} appears twice"),
            ));
        }
        columns.push(i);
    }
    for required in ["kind", "name"] {
        if !columns.iter().any(|&i| CSV_COLUMNS[i] == required) {
            return Err(csv_error(
                header_line,
                format!("column {required:?} is required"),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| csv_error(e.position().map_or(0, |p| line_of(bytes, p)), e.to_string()))?;
        let line = record.position().map_or(0, |p| line_of(bytes, p));
        let mut cells: [Option<String>; 14] = Default::default();
        for (value, &i) in record.iter().zip(&columns) {
            cells[i] = Some(value.to_string());
        }
        rows.push(CsvRow { line, cells });
    }
    Ok(rows)
}

fn multi(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn rating(field: &str, s: &str) -> Result<Option<u8>, String> {
    match s.trim() {
        "" => Ok(None),
        v => v
            .parse::<u8>()
            .map(Some)
            .map_err(|_| format!("{field}: {v:?} is not a rating 1-5")),
    }
}

fn to_input(existing: &AssetRecord) -> AssetInput {
    AssetInput {
        kind: existing.kind,
        name: existing.name.clone(),
        ips: existing.ips.clone(),
        hostnames: existing.hostnames.clone(),
        macs: existing.macs.clone(),
        os: existing.os.clone(),
        owner: existing.owner.clone(),
        department: existing.department.clone(),
        location: existing.location.clone(),
        business_system: existing.business_system.clone(),
        confidentiality: Some(existing.confidentiality),
        integrity: Some(existing.integrity),
        availability: Some(existing.availability),
        tags: existing.tags.clone(),
        approved: Some(true),
    }
}

/// The row's input; columns the file lacks keep what `existing` has.
/// The snake_case name, or the Chinese label people type in spreadsheets.
fn csv_kind(cell: &str) -> Option<AssetKind> {
    parse_kind(cell).or_else(|| {
        [
            AssetKind::Server,
            AssetKind::Workstation,
            AssetKind::NetworkDevice,
            AssetKind::SecurityDevice,
            AssetKind::WebApplication,
            AssetKind::Domain,
            AssetKind::CloudResource,
        ]
        .into_iter()
        .find(|k| k.label_zh() == cell.trim())
    })
}

fn row_input(row: &CsvRow, existing: Option<&AssetRecord>) -> Result<AssetInput, String> {
    let kind_cell = row.cells[0].as_deref().unwrap_or_default();
    let kind = csv_kind(kind_cell)
        .ok_or_else(|| format!("kind: {kind_cell:?} is not one of server, workstation, network_device, security_device, web_application, domain, cloud_resource"))?;
    let name = row.cells[1].clone().unwrap_or_default();
    let mut input = match existing {
        Some(e) => to_input(e),
        None => AssetInput::new(kind, name.clone()),
    };
    input.kind = kind;
    input.name = name;
    input.approved = Some(true);
    for (i, cell) in row.cells.iter().enumerate().skip(2) {
        let Some(v) = cell.as_deref() else { continue };
        let text = || Some(v.to_string()).filter(|s| !s.is_empty());
        match CSV_COLUMNS[i] {
            "ips" => input.ips = multi(v),
            "hostnames" => input.hostnames = multi(v),
            "macs" => input.macs = multi(v),
            "os" => input.os = text(),
            "owner" => input.owner = text(),
            "department" => input.department = text(),
            "location" => input.location = text(),
            "business_system" => input.business_system = text(),
            "confidentiality" => input.confidentiality = rating("confidentiality", v)?,
            "integrity" => input.integrity = rating("integrity", v)?,
            "availability" => input.availability = rating("availability", v)?,
            "tags" => input.tags = multi(v),
            _ => {}
        }
    }
    Ok(input)
}

impl ObjectStore {
    /// Upserts rows by name (case-insensitive); imported rows are approved.
    pub fn import_assets_csv(
        &self,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<CsvImportSummary, ObjectError> {
        let rows = parse_rows(bytes)?;
        self.write(|tx| {
            let mut summary = CsvImportSummary::default();
            for row in &rows {
                let name = row.cells[1].as_deref().unwrap_or_default();
                let existing_id: Option<i64> = tx
                    .prepare_cached(
                        "SELECT id FROM assets WHERE name = ?1 COLLATE NOCASE ORDER BY id LIMIT 1",
                    )?
                    .query_row([name], |r| r.get(0))
                    .optional()?;
                let existing = existing_id.map(|id| load_asset(tx, id)).transpose()?;
                let at_line = |e: ObjectError| csv_error(row.line, e.to_string());
                let input =
                    row_input(row, existing.as_ref()).map_err(|m| csv_error(row.line, m))?;
                let valid = validate(&input).map_err(at_line)?;
                match existing_id {
                    Some(id) => {
                        replace_asset(tx, id, &valid, Some(true), now).map_err(at_line)?;
                        summary.updated += 1;
                    }
                    None => {
                        insert_asset(
                            tx,
                            &valid,
                            &NewAsset {
                                source: AssetSource::Csv,
                                approved: true,
                                first_seen: None,
                                last_seen: None,
                                now,
                            },
                        )
                        .map_err(at_line)?;
                        summary.created += 1;
                    }
                }
            }
            Ok(summary)
        })
    }

    /// Every asset the filter matches (its limit and offset ignored), as import reads it.
    pub fn export_assets_csv(&self, filter: &AssetFilter) -> Result<String, ObjectError> {
        let (where_sql, params) = filter.where_sql();
        let records = self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {ASSET_COLS} FROM assets {where_sql} {}",
                filter.order_sql()
            ))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(super::asset_from_row(row)?);
            }
            Ok(out)
        })?;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let csv_io = |e: csv::Error| ObjectError::Io {
            path: "assets.csv".into(),
            source: std::io::Error::other(e.to_string()),
        };
        writer.write_record(CSV_COLUMNS).map_err(csv_io)?;
        for a in &records {
            let opt = |s: &Option<String>| s.clone().unwrap_or_default();
            writer
                .write_record([
                    kind_str(a.kind).to_string(),
                    a.name.clone(),
                    a.ips.join(";"),
                    a.hostnames.join(";"),
                    a.macs.join(";"),
                    opt(&a.os),
                    opt(&a.owner),
                    opt(&a.department),
                    opt(&a.location),
                    opt(&a.business_system),
                    a.confidentiality.to_string(),
                    a.integrity.to_string(),
                    a.availability.to_string(),
                    a.tags.join(";"),
                ])
                .map_err(csv_io)?;
        }
        let bytes = writer.into_inner().map_err(|e| ObjectError::Io {
            path: "assets.csv".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        String::from_utf8(bytes).map_err(|e| ObjectError::Io {
            path: "assets.csv".into(),
            source: std::io::Error::other(e.to_string()),
        })
    }
}
