//! Searches, histograms and top values across partitions.

use super::compile::{compile, compile_with, fts_expression, Sql, TextMode};
use super::partition::Partition;
use super::schema::{column_for, json_path, Kind};
use super::SqliteStore;
use crate::ipbytes::bytes_to_ip;
use crate::{
    Cursor, HistogramBucket, HistogramRequest, SearchRequest, SearchResult, StoreError,
    StoredEvent, TopRequest, TopValue,
};
use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;
use rusqlite::types::{Value as SqlValue, ValueRef};
use std::cmp::Reverse;
use std::collections::HashMap;
use steward_model::Event;

/// Most buckets a histogram answers with; wider ranges get a coarser interval.
pub const MAX_BUCKETS: i64 = 2_000;
/// Most events one search page returns.
pub const MAX_PAGE: usize = 10_000;

struct Row {
    ts: i64,
    partition: String,
    id: i64,
    doc: String,
}

fn where_clause(sql: &Sql, from: i64, to: i64) -> (String, Vec<SqlValue>) {
    let mut params = vec![SqlValue::Integer(from), SqlValue::Integer(to)];
    params.extend(sql.params.iter().cloned());
    (format!("ts >= ? AND ts < ? AND ({})", sql.text), params)
}

pub fn search(store: &SqliteStore, req: &SearchRequest) -> Result<SearchResult, StoreError> {
    let limit = req.limit.min(MAX_PAGE);
    let compiled = compile(&req.query);
    let (from, to) = (req.range.from_micros(), req.range.to_micros());
    let partitions = store.partitions_for(from, to);

    let mut total = 0u64;
    let mut exact = true;
    for (name, _) in &partitions {
        let remaining = req.count_limit.saturating_sub(total);
        if remaining == 0 {
            exact = false;
            break;
        }
        let (clause, params) = where_clause(&compiled, from, to);
        let cap = remaining.saturating_add(1).min(i64::MAX as u64);
        let sql = format!("SELECT count(*) FROM (SELECT 1 FROM events WHERE {clause} LIMIT {cap})");
        let n: i64 = store.with_reader(name, |p| query_one(p, &sql, params))?;
        let n = n.max(0) as u64;
        if n > remaining {
            total += remaining;
            exact = false;
            break;
        }
        total += n;
    }

    let mut rows: Vec<Row> = Vec::new();
    if limit > 0 {
        for (name, info) in &partitions {
            // Newest first: once the page is full, a partition whose newest event is older
            // than the page's oldest cannot contribute.
            if rows.len() >= limit && rows.last().is_some_and(|r| info.max_ts < r.ts) {
                continue;
            }
            let page_sql = if req.query.has_text() {
                store.with_reader(name, |p| Ok(compile_with(&req.query, &|t| text_mode(p, t))))?
            } else {
                compile(&req.query)
            };
            let (mut clause, mut params) = where_clause(&page_sql, from, to);
            if let Some(c) = &req.cursor {
                clause.push_str(&cursor_clause(c, name, &mut params));
            }
            let sql = format!(
                "SELECT ts, id, doc FROM events WHERE {clause} ORDER BY ts DESC, id DESC LIMIT {limit}"
            );
            let found = store.with_reader(name, |p| {
                let mut stmt = p
                    .conn
                    .prepare_cached(&sql)
                    .map_err(StoreError::sqlite(p.path()))?;
                let mapped = stmt
                    .query_map(params_from_iter(params), |r| {
                        Ok(Row {
                            ts: r.get(0)?,
                            id: r.get(1)?,
                            doc: r.get(2)?,
                            partition: name.clone(),
                        })
                    })
                    .map_err(StoreError::sqlite(p.path()))?;
                mapped
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(StoreError::sqlite(p.path()))
            })?;
            rows.extend(found);
            rows.sort_by(|a, b| (b.ts, &b.partition, b.id).cmp(&(a.ts, &a.partition, a.id)));
            rows.truncate(limit);
        }
    }
    let next_cursor = if rows.len() == limit && limit > 0 {
        rows.last().map(|r| Cursor {
            ts_micros: r.ts,
            partition: r.partition.clone(),
            row: r.id,
        })
    } else {
        None
    };
    let events = rows
        .into_iter()
        .map(|r| {
            let object = match serde_json::from_str::<serde_json::Value>(&r.doc) {
                Ok(serde_json::Value::Object(o)) => o,
                _ => serde_json::Map::new(),
            };
            StoredEvent {
                id: format!("{}.{}", r.partition, r.id),
                event: Event::from_object(object),
            }
        })
        .collect();
    Ok(SearchResult {
        total,
        total_exact: exact,
        events,
        next_cursor,
    })
}

/// Matches beyond which a term counts as common (see [`TextMode`]).
const COMMON_TERM_MATCHES: i64 = 20_000;

/// Picks how a text term joins the page query, by counting its matches up to the
/// threshold in this partition (streaming from the FTS index, so it costs at most that
/// many rowids).
fn text_mode(p: &Partition, t: &steward_query::TextQuery) -> TextMode {
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM events_text WHERE events_text MATCH ? LIMIT {})",
        COMMON_TERM_MATCHES + 1
    );
    match query_one(p, &sql, vec![SqlValue::Text(fts_expression(t))]) {
        Ok(n) if n > COMMON_TERM_MATCHES => TextMode::Probe,
        _ => TextMode::MatchList,
    }
}

/// Rows strictly after the cursor in (ts desc, partition desc, id desc) order; the
/// partition comparison is decided here, since the partition is fixed per query.
fn cursor_clause(c: &Cursor, partition: &str, params: &mut Vec<SqlValue>) -> String {
    params.push(SqlValue::Integer(c.ts_micros));
    match partition.cmp(c.partition.as_str()) {
        std::cmp::Ordering::Less => " AND ts <= ?".into(),
        std::cmp::Ordering::Greater => " AND ts < ?".into(),
        std::cmp::Ordering::Equal => {
            params.push(SqlValue::Integer(c.ts_micros));
            params.push(SqlValue::Integer(c.row));
            " AND (ts < ? OR (ts = ? AND id < ?))".into()
        }
    }
}

fn query_one(p: &Partition, sql: &str, params: Vec<SqlValue>) -> Result<i64, StoreError> {
    let mut stmt = p
        .conn
        .prepare_cached(sql)
        .map_err(StoreError::sqlite(p.path()))?;
    stmt.query_row(params_from_iter(params), |r| r.get(0))
        .map_err(StoreError::sqlite(p.path()))
}

pub fn histogram(
    store: &SqliteStore,
    req: &HistogramRequest,
) -> Result<Vec<HistogramBucket>, StoreError> {
    if req.interval_secs <= 0 {
        return Err(StoreError::BadRequest("interval must be positive".into()));
    }
    let interval = req.interval_secs.saturating_mul(1_000_000);
    let compiled = compile(&req.query);
    let (from, to) = (req.range.from_micros(), req.range.to_micros());
    let mut counts: HashMap<i64, u64> = HashMap::new();
    for (name, _) in store.partitions_for(from, to) {
        let (clause, mut params) = where_clause(&compiled, from, to);
        params.insert(0, SqlValue::Integer(interval));
        let sql =
            format!("SELECT ts / ? AS bucket, count(*) FROM events WHERE {clause} GROUP BY bucket");
        let found: Vec<(i64, i64)> = store.with_reader(&name, |p| {
            let mut stmt = p
                .conn
                .prepare_cached(&sql)
                .map_err(StoreError::sqlite(p.path()))?;
            let mapped = stmt
                .query_map(params_from_iter(params), |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(StoreError::sqlite(p.path()))?;
            mapped
                .collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::sqlite(p.path()))
        })?;
        for (bucket, n) in found {
            *counts.entry(bucket).or_default() += n.max(0) as u64;
        }
    }
    // Empty buckets between the first and last non-empty one (or the requested bounds,
    // when finite) are filled with zeros so charts need no gap handling.
    let mut keys: Vec<i64> = counts.keys().copied().collect();
    keys.sort_unstable();
    let lo = if from <= DateTime::<Utc>::MIN_UTC.timestamp_micros() {
        keys.first().copied().unwrap_or(0)
    } else {
        bucket_of(from, interval)
    };
    let hi = if to >= DateTime::<Utc>::MAX_UTC.timestamp_micros() {
        keys.last().copied().unwrap_or(-1)
    } else {
        bucket_of(to - 1, interval)
    };
    let mut out = Vec::new();
    if hi >= lo && hi - lo < MAX_BUCKETS {
        for b in lo..=hi {
            out.push(bucket(b, interval, counts.get(&b).copied().unwrap_or(0)));
        }
    } else {
        for b in keys {
            out.push(bucket(b, interval, counts[&b]));
        }
    }
    Ok(out)
}

fn bucket_of(ts: i64, interval: i64) -> i64 {
    ts.div_euclid(interval)
}

fn bucket(b: i64, interval: i64, count: u64) -> HistogramBucket {
    let start =
        DateTime::<Utc>::from_timestamp_micros(b.saturating_mul(interval)).unwrap_or_default();
    HistogramBucket { start, count }
}

pub fn top(store: &SqliteStore, req: &TopRequest) -> Result<Vec<TopValue>, StoreError> {
    if !valid_field(&req.field) {
        return Err(StoreError::BadRequest(format!(
            "invalid field name {:?}",
            req.field
        )));
    }
    let compiled = compile(&req.query);
    let (from, to) = (req.range.from_micros(), req.range.to_micros());
    // Like Elasticsearch's shard_size: each partition reports more than asked so the
    // merged ranking is exact in all but pathological distributions.
    let per_partition = (req.limit.max(1) * 10).max(100);
    let column = column_for(&req.field);
    let mut counts: HashMap<String, (serde_json::Value, u64)> = HashMap::new();
    for (name, _) in store.partitions_for(from, to) {
        let (clause, mut params) = where_clause(&compiled, from, to);
        let sql = match column {
            Some(c) => format!(
                "SELECT {col}, count(*) AS n FROM events WHERE {clause} AND {col} IS NOT NULL
                 GROUP BY {col} ORDER BY n DESC LIMIT {per_partition}",
                col = c.name
            ),
            None => {
                params.insert(0, SqlValue::Text(json_path(&req.field)));
                format!(
                    "SELECT j.value, count(*) AS n FROM events, json_each(events.doc, ?) AS j
                     WHERE {clause} AND j.type NOT IN ('object', 'array', 'null')
                     GROUP BY j.value ORDER BY n DESC LIMIT {per_partition}"
                )
            }
        };
        let kind = column.map(|c| c.kind);
        let found: Vec<(serde_json::Value, i64)> = store.with_reader(&name, |p| {
            let mut stmt = p
                .conn
                .prepare_cached(&sql)
                .map_err(StoreError::sqlite(p.path()))?;
            let mapped = stmt
                .query_map(params_from_iter(params), |r| {
                    Ok((to_json(r.get_ref(0)?, kind), r.get(1)?))
                })
                .map_err(StoreError::sqlite(p.path()))?;
            mapped
                .collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::sqlite(p.path()))
        })?;
        for (value, n) in found {
            let key = value.to_string();
            counts.entry(key).or_insert((value, 0)).1 += n.max(0) as u64;
        }
    }
    let mut values: Vec<TopValue> = counts
        .into_values()
        .map(|(value, count)| TopValue { value, count })
        .collect();
    values.sort_by_key(|v| (Reverse(v.count), v.value.to_string()));
    values.truncate(req.limit);
    Ok(values)
}

fn valid_field(f: &str) -> bool {
    !f.is_empty()
        && f.len() <= 256
        && f.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b'-'))
}

fn to_json(v: ValueRef<'_>, kind: Option<Kind>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) if kind == Some(Kind::Time) => {
            DateTime::<Utc>::from_timestamp_micros(i)
                .map(|t| serde_json::Value::String(steward_model::time::ecs_timestamp(t)))
                .unwrap_or(serde_json::Value::Null)
        }
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(x) => {
            serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
        }
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => bytes_to_ip(b)
            .map(|ip| ip.to_string().into())
            .unwrap_or(serde_json::Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventStore, SqliteOptions};
    use std::collections::BTreeSet;

    /// Both ways of joining a text term give the same rows; the choice is only speed.
    #[test]
    fn probe_and_match_list_agree() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), SqliteOptions::default()).unwrap();
        let lines = [
            "Failed password for root from 10.0.0.1",
            "Accepted password for alice",
            "用户登录失败 root",
            "disk full on /var",
            "failed to open file",
        ];
        let events: Vec<Event> = lines
            .iter()
            .map(|l| {
                let mut e = Event::new();
                e.set("event.original", *l);
                e.set(
                    "user.name",
                    if l.contains("root") { "root" } else { "other" },
                );
                e
            })
            .collect();
        store.append_events(events).unwrap();
        let name = store.partitions_for(i64::MIN, i64::MAX)[0].0.clone();
        for q in [
            "failed",
            "password AND NOT root",
            "登录失败 OR disk",
            "fail* user.name:root",
            "NOT failed",
            "\"failed password\"",
        ] {
            let query = steward_query::parse(q).unwrap();
            let ids = |mode: TextMode| -> BTreeSet<i64> {
                let sql = compile_with(&query, &|_| mode);
                let text = format!("SELECT id FROM events WHERE {}", sql.text);
                store
                    .with_reader(&name, |p| {
                        let mut stmt = p.conn.prepare(&text).unwrap();
                        let rows = stmt
                            .query_map(params_from_iter(sql.params.clone()), |r| r.get(0))
                            .unwrap();
                        Ok(rows.map(Result::unwrap).collect())
                    })
                    .unwrap()
            };
            let list = ids(TextMode::MatchList);
            assert_eq!(list, ids(TextMode::Probe), "{q}");
            assert!(
                !list.is_empty() && list.len() < lines.len(),
                "{q} must discriminate: {list:?}"
            );
        }
    }
}
