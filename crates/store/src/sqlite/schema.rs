//! The layout of one partition file and how an event becomes a row.
//!
//! The analysts' common filters get typed, indexed columns; everything else is answered
//! from the JSON document. IPs are stored as 16 sortable bytes so CIDR filters are index
//! range scans.

use crate::ipbytes::ip_to_bytes;
use crate::{ColumnValue, PreparedRow};
use serde_json::Value;
use steward_model::{ecs, time, Event};

/// Bumped whenever the DDL below changes incompatibly.
pub const SCHEMA_VERSION: i64 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Ip,
    Time,
}

pub struct Column {
    pub field: &'static str,
    pub name: &'static str,
    pub kind: Kind,
}

/// Typed columns, in the order they are inserted. `ts` is `@timestamp`.
pub const COLUMNS: &[Column] = &[
    Column {
        field: ecs::TIMESTAMP,
        name: "ts",
        kind: Kind::Time,
    },
    Column {
        field: ecs::EVENT_INGESTED,
        name: "ingested",
        kind: Kind::Time,
    },
    Column {
        field: ecs::STEWARD_SITE_ID,
        name: "site_id",
        kind: Kind::Text,
    },
    Column {
        field: ecs::STEWARD_TENANT_ID,
        name: "tenant_id",
        kind: Kind::Text,
    },
    Column {
        field: ecs::EVENT_DATASET,
        name: "dataset",
        kind: Kind::Text,
    },
    Column {
        field: ecs::HOST_NAME,
        name: "host_name",
        kind: Kind::Text,
    },
    Column {
        field: ecs::SOURCE_IP,
        name: "source_ip",
        kind: Kind::Ip,
    },
    Column {
        field: ecs::SOURCE_PORT,
        name: "source_port",
        kind: Kind::Int,
    },
    Column {
        field: ecs::DESTINATION_IP,
        name: "destination_ip",
        kind: Kind::Ip,
    },
    Column {
        field: ecs::DESTINATION_PORT,
        name: "destination_port",
        kind: Kind::Int,
    },
    Column {
        field: ecs::USER_NAME,
        name: "user_name",
        kind: Kind::Text,
    },
    Column {
        field: ecs::EVENT_ACTION,
        name: "event_action",
        kind: Kind::Text,
    },
    Column {
        field: ecs::EVENT_OUTCOME,
        name: "event_outcome",
        kind: Kind::Text,
    },
    Column {
        field: ecs::OBSERVER_IP,
        name: "observer_ip",
        kind: Kind::Ip,
    },
    Column {
        field: ecs::LOG_LEVEL,
        name: "log_level",
        kind: Kind::Text,
    },
];

pub fn column_for(field: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.field == field)
}

pub fn ddl() -> String {
    let mut columns = String::new();
    for c in COLUMNS {
        let ty = match c.kind {
            Kind::Text => "TEXT COLLATE NOCASE",
            Kind::Int => "INTEGER",
            Kind::Ip => "BLOB",
            Kind::Time if c.name == "ts" => "INTEGER NOT NULL",
            Kind::Time => "INTEGER",
        };
        columns.push_str(&format!("  {} {},\n", c.name, ty));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS events (\n  id INTEGER PRIMARY KEY,\n{columns}  doc TEXT NOT NULL\n);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE INDEX IF NOT EXISTS events_host ON events(host_name, ts);
CREATE INDEX IF NOT EXISTS events_src ON events(source_ip, ts);
CREATE INDEX IF NOT EXISTS events_dst ON events(destination_ip, ts);
CREATE INDEX IF NOT EXISTS events_user ON events(user_name, ts);
CREATE INDEX IF NOT EXISTS events_dataset ON events(dataset, ts);
CREATE VIRTUAL TABLE IF NOT EXISTS events_text USING fts5(
  body, content='', columnsize=0, tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\"
);
CREATE TABLE IF NOT EXISTS partition_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  min_ts INTEGER NOT NULL,
  max_ts INTEGER NOT NULL,
  events INTEGER NOT NULL
);"
    )
}

pub fn insert_sql() -> String {
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    let marks = vec!["?"; COLUMNS.len() + 1].join(", ");
    format!(
        "INSERT INTO events ({}, doc) VALUES ({marks})",
        names.join(", ")
    )
}

/// An event as a row: typed column values in [`COLUMNS`] order (`ts` always set), the
/// document and the text to index.
pub fn prepare_row(event: &Event, fallback_ts: i64) -> PreparedRow {
    let columns: Vec<ColumnValue> = COLUMNS
        .iter()
        .map(|c| {
            let value = event.get(c.field).map(first_element);
            let typed = value
                .and_then(|v| typed(v, c.kind))
                .unwrap_or(ColumnValue::Null);
            if c.name == "ts" && typed == ColumnValue::Null {
                ColumnValue::Int(fallback_ts)
            } else {
                typed
            }
        })
        .collect();
    let ts_micros = match columns.first() {
        Some(ColumnValue::Int(ts)) => *ts,
        _ => fallback_ts,
    };
    PreparedRow {
        ts_micros,
        columns,
        doc: event.to_json(),
        text: indexed_text(event),
    }
}

fn first_element(v: &Value) -> &Value {
    match v {
        Value::Array(items) => items.first().unwrap_or(&Value::Null),
        other => other,
    }
}

fn typed(v: &Value, kind: Kind) -> Option<ColumnValue> {
    match kind {
        Kind::Text => match v {
            Value::String(s) => Some(ColumnValue::Text(s.clone())),
            Value::Number(n) => Some(ColumnValue::Text(n.to_string())),
            Value::Bool(b) => Some(ColumnValue::Text(b.to_string())),
            _ => None,
        },
        Kind::Int => match v {
            Value::Number(n) => n.as_i64().map(ColumnValue::Int),
            Value::String(s) => s.trim().parse().ok().map(ColumnValue::Int),
            _ => None,
        },
        Kind::Ip => v
            .as_str()
            .and_then(|s| s.trim().parse().ok())
            .map(|ip| ColumnValue::Bytes(ip_to_bytes(ip).to_vec())),
        Kind::Time => v
            .as_str()
            .and_then(time::parse_timestamp)
            .map(|t| ColumnValue::Int(t.timestamp_micros())),
    }
}

/// The text the full-text index sees: the original record, plus the message when the
/// parser rewrote it into something not contained in the original.
///
/// FTS5's `unicode61` tokenizer already splits and case-folds like
/// `steward_query::tokenize_text`; only CJK runs need rewriting (into the bigrams the
/// query side searches for), so text without CJK goes in untouched and costs nothing here.
pub fn indexed_text(event: &Event) -> String {
    let original = event.get_str(ecs::EVENT_ORIGINAL).unwrap_or("");
    let message = event.get_str(ecs::MESSAGE).unwrap_or("");
    let mut body = String::with_capacity(original.len() + 16);
    let mut push = |s: &str| {
        if !body.is_empty() {
            body.push(' ');
        }
        if s.chars().any(steward_query::is_cjk) {
            for token in steward_query::tokenize_text(s) {
                body.push_str(&token);
                body.push(' ');
            }
        } else {
            body.push_str(s);
        }
    };
    push(original);
    if !message.is_empty() && !original.contains(message) {
        push(message);
    }
    body
}

/// JSON path of a dotted field with every key quoted. Field names never contain quotes:
/// the query grammar and the API both refuse them.
pub fn json_path(field: &str) -> String {
    let mut path = String::from("$");
    for part in field.split('.') {
        path.push_str(".\"");
        path.push_str(part);
        path.push('"');
    }
    path
}
