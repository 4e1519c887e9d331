//! Compiles the query AST to SQLite SQL. Every value from the query travels as a bound
//! parameter; the only text spliced into SQL is column names from the static schema.

use super::schema::{column_for, json_path, Kind};
use crate::ipbytes::{ip_to_bytes, net_bounds};
use rusqlite::types::Value as SqlValue;
use std::ops::Bound;
use steward_query::{FieldQuery, Predicate, Query, Scalar, TextQuery};

/// A WHERE-clause fragment and its parameters, in order.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<SqlValue>,
}

impl Sql {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn bind(&mut self, v: SqlValue) {
        self.params.push(v);
        self.text.push('?');
    }
}

/// How a full-text term joins the events table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextMode {
    /// `id IN (all matching rowids)`: cheap when the term is rare, but the whole match
    /// list is built first, which for a common word means millions of rowids.
    MatchList,
    /// `EXISTS (match for this row)`: probes the index row by row along the time order,
    /// so the newest page of a common word is found after a few hundred probes.
    Probe,
}

/// Compiles with every text term as a match list.
pub fn compile(query: &Query) -> Sql {
    compile_with(query, &|_| TextMode::MatchList)
}

pub fn compile_with(query: &Query, text_mode: &dyn Fn(&TextQuery) -> TextMode) -> Sql {
    let mut sql = Sql::default();
    node(query, text_mode, &mut sql);
    sql
}

fn node(query: &Query, text_mode: &dyn Fn(&TextQuery) -> TextMode, sql: &mut Sql) {
    match query {
        Query::All => sql.push("1"),
        Query::And(items) => join(items, " AND ", "1", text_mode, sql),
        Query::Or(items) => join(items, " OR ", "0", text_mode, sql),
        Query::Not(inner) => {
            sql.push("NOT (");
            node(inner, text_mode, sql);
            sql.push(")");
        }
        Query::Field(f) => field(f, sql),
        Query::Text(t) => match text_mode(t) {
            TextMode::MatchList => {
                sql.push("id IN (SELECT rowid FROM events_text WHERE events_text MATCH ");
                sql.bind(SqlValue::Text(fts_expression(t)));
                sql.push(")");
            }
            TextMode::Probe => {
                sql.push("EXISTS (SELECT 1 FROM events_text WHERE events_text MATCH ");
                sql.bind(SqlValue::Text(fts_expression(t)));
                sql.push(" AND rowid = events.id)");
            }
        },
    }
}

fn join(
    items: &[Query],
    op: &str,
    empty: &str,
    text_mode: &dyn Fn(&TextQuery) -> TextMode,
    sql: &mut Sql,
) {
    if items.is_empty() {
        sql.push(empty);
        return;
    }
    sql.push("(");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            sql.push(op);
        }
        node(item, text_mode, sql);
    }
    sql.push(")");
}

/// FTS5 query text for one term: tokens are double-quoted strings, so no FTS5 operator in
/// user input can take effect.
pub fn fts_expression(t: &TextQuery) -> String {
    fn quote(token: &str) -> String {
        format!("\"{}\"", token.replace('"', "\"\""))
    }
    match t {
        TextQuery::Word(w) => quote(w),
        TextQuery::Prefix(p) => format!("{} *", quote(p)),
        TextQuery::Phrase(words) => {
            let inner: Vec<String> = words.iter().map(|w| w.replace('"', "\"\"")).collect();
            format!("\"{}\"", inner.join(" "))
        }
    }
}

fn field(f: &FieldQuery, sql: &mut Sql) {
    match column_for(&f.field) {
        Some(column) => typed_column(column.name, column.kind, &f.predicate, sql),
        None => json_field(&f.field, &f.predicate, sql),
    }
}

fn scalar_text(s: &Scalar) -> String {
    s.to_text()
}

/// The value a typed column holds for a query scalar, or `None` when the scalar cannot
/// occur in that column (the predicate is then false).
fn column_value(kind: Kind, s: &Scalar) -> Option<SqlValue> {
    match kind {
        Kind::Text => Some(SqlValue::Text(scalar_text(s))),
        Kind::Int => match s {
            Scalar::Int(i) => Some(SqlValue::Integer(*i)),
            Scalar::Float(x) => Some(SqlValue::Real(*x)),
            Scalar::Str(t) => t.trim().parse().ok().map(SqlValue::Integer),
            _ => None,
        },
        Kind::Ip => match s {
            Scalar::Ip(ip) => Some(SqlValue::Blob(ip_to_bytes(*ip).to_vec())),
            Scalar::Str(t) => t
                .trim()
                .parse()
                .ok()
                .map(|ip| SqlValue::Blob(ip_to_bytes(ip).to_vec())),
            _ => None,
        },
        Kind::Time => match s {
            Scalar::Time(t) => Some(SqlValue::Integer(t.timestamp_micros())),
            Scalar::Int(i) => Some(SqlValue::Integer(i.saturating_mul(1_000_000))),
            Scalar::Str(t) => steward_model::time::parse_timestamp(t)
                .or_else(|| parse_day(t))
                .map(|t| SqlValue::Integer(t.timestamp_micros())),
            _ => None,
        },
    }
}

fn parse_day(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

/// Typed-column predicates are guarded with `IS NOT NULL` so that a missing field makes
/// them false, not NULL: otherwise `NOT field:x` would drop events without the field.
fn typed_column(name: &str, kind: Kind, p: &Predicate, sql: &mut Sql) {
    match p {
        Predicate::Exists => sql.push(&format!("{name} IS NOT NULL")),
        Predicate::Equals(s) => match column_value(kind, s) {
            Some(v) => {
                sql.push(&format!("({name} IS NOT NULL AND {name} = "));
                sql.bind(v);
                sql.push(")");
            }
            None => sql.push("0"),
        },
        Predicate::Wildcard(w) if kind == Kind::Text => {
            let (pattern, escape) = w.to_like();
            sql.push(&format!("({name} IS NOT NULL AND {name} LIKE "));
            sql.bind(SqlValue::Text(pattern));
            sql.push(&format!(" ESCAPE '{escape}')"));
        }
        Predicate::Wildcard(w) => {
            // Numbers, addresses and times have no wildcard form in their column; match
            // their text in the document instead.
            json_field(column_for_name(name), &Predicate::Wildcard(w.clone()), sql)
        }
        Predicate::Cidr(net) if kind == Kind::Ip => {
            let (lo, hi) = net_bounds(net);
            sql.push(&format!("({name} IS NOT NULL AND {name} BETWEEN "));
            sql.bind(SqlValue::Blob(lo.to_vec()));
            sql.push(" AND ");
            sql.bind(SqlValue::Blob(hi.to_vec()));
            sql.push(")");
        }
        Predicate::Cidr(_) => sql.push("0"),
        Predicate::Range { lower, upper } => {
            let mut parts = Vec::new();
            for (bound, op_incl, op_excl) in [(lower, ">=", ">"), (upper, "<=", "<")] {
                let (s, op) = match bound {
                    Bound::Included(s) => (s, op_incl),
                    Bound::Excluded(s) => (s, op_excl),
                    Bound::Unbounded => continue,
                };
                match column_value(kind, s) {
                    Some(v) => parts.push((op, v)),
                    None => {
                        sql.push("0");
                        return;
                    }
                }
            }
            sql.push(&format!("({name} IS NOT NULL"));
            for (op, v) in parts {
                sql.push(&format!(" AND {name} {op} "));
                sql.bind(v);
            }
            sql.push(")");
        }
    }
}

fn column_for_name(name: &str) -> &'static str {
    super::schema::COLUMNS
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.field)
        .unwrap_or("")
}

/// A field without a typed column: any element of the value at that path (scalars are
/// one-element lists for `json_each`) must satisfy the predicate.
fn json_field(field: &str, p: &Predicate, sql: &mut Sql) {
    sql.push("EXISTS (SELECT 1 FROM json_each(events.doc, ");
    sql.bind(SqlValue::Text(json_path(field)));
    sql.push(") AS j WHERE j.type NOT IN ('object', 'array') AND ");
    match p {
        Predicate::Exists => sql.push("j.value IS NOT NULL"),
        Predicate::Equals(s) => {
            let text = scalar_text(s);
            sql.push("(j.value = ");
            sql.bind(SqlValue::Text(text));
            sql.push(" COLLATE NOCASE");
            match s {
                Scalar::Int(i) => {
                    sql.push(" OR j.value = ");
                    sql.bind(SqlValue::Integer(*i));
                }
                Scalar::Float(x) => {
                    sql.push(" OR j.value = ");
                    sql.bind(SqlValue::Real(*x));
                }
                Scalar::Ip(ip) => {
                    sql.push(" OR steward_ip_eq(j.value, ");
                    sql.bind(SqlValue::Blob(ip_to_bytes(*ip).to_vec()));
                    sql.push(")");
                }
                _ => {}
            }
            sql.push(")");
        }
        Predicate::Wildcard(w) => {
            let (pattern, escape) = w.to_like();
            sql.push("j.value LIKE ");
            sql.bind(SqlValue::Text(pattern));
            sql.push(&format!(" ESCAPE '{escape}'"));
        }
        Predicate::Cidr(net) => {
            let (lo, hi) = net_bounds(net);
            sql.push("steward_ip_in(j.value, ");
            sql.bind(SqlValue::Blob(lo.to_vec()));
            sql.push(", ");
            sql.bind(SqlValue::Blob(hi.to_vec()));
            sql.push(")");
        }
        Predicate::Range { lower, upper } => json_range(lower, upper, sql),
    }
    sql.push(")");
}

/// Ranges compare like with like: numbers numerically (numeric strings included), times as
/// instants, addresses as addresses, other strings by text.
fn json_range(lower: &Bound<Scalar>, upper: &Bound<Scalar>, sql: &mut Sql) {
    let sample = match (lower, upper) {
        (Bound::Included(s) | Bound::Excluded(s), _)
        | (_, Bound::Included(s) | Bound::Excluded(s)) => s,
        _ => {
            sql.push("j.value IS NOT NULL");
            return;
        }
    };
    let (lhs, convert): (&str, fn(&Scalar) -> Option<SqlValue>) = match sample {
        Scalar::Int(_) | Scalar::Float(_) => ("steward_num(j.value)", |s| match s {
            Scalar::Int(i) => Some(SqlValue::Real(*i as f64)),
            Scalar::Float(x) => Some(SqlValue::Real(*x)),
            _ => None,
        }),
        Scalar::Time(_) => ("steward_ts(j.value)", |s| match s {
            Scalar::Time(t) => Some(SqlValue::Integer(t.timestamp_micros())),
            _ => None,
        }),
        Scalar::Ip(_) => ("steward_ip(j.value)", |s| match s {
            Scalar::Ip(ip) => Some(SqlValue::Blob(ip_to_bytes(*ip).to_vec())),
            _ => None,
        }),
        Scalar::Str(_) => ("j.value", |s| Some(SqlValue::Text(scalar_text(s)))),
    };
    let mut first = true;
    for (bound, op_incl, op_excl) in [(lower, ">=", ">"), (upper, "<=", "<")] {
        let (s, op) = match bound {
            Bound::Included(s) => (s, op_incl),
            Bound::Excluded(s) => (s, op_excl),
            Bound::Unbounded => continue,
        };
        if !first {
            sql.push(" AND ");
        }
        first = false;
        match convert(s) {
            Some(v) => {
                sql.push(&format!("{lhs} {op} "));
                sql.bind(v);
            }
            None => sql.push("0"),
        }
    }
}
