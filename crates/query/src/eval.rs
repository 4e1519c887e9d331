//! In-memory evaluation against an [`Event`]: the reference semantics the storage
//! backends' compiled SQL must reproduce.

use crate::ast::{FieldQuery, Predicate, Query, TextQuery};
use crate::scalar::{parse_time, Num, Scalar};
use crate::text::tokenize_text;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::IpAddr;
use std::ops::Bound;
use steward_model::Event;

/// The fields full-text terms search: each is tokenized on its own (a phrase does not
/// run from one into the next); arrays of strings are searched element by element.
pub const TEXT_FIELDS: [&str; 2] = [
    steward_model::ecs::MESSAGE,
    steward_model::ecs::EVENT_ORIGINAL,
];

impl Query {
    /// Whether `event` matches the query.
    pub fn matches(&self, event: &Event) -> bool {
        match self {
            Query::All => true,
            Query::And(items) => items.iter().all(|q| q.matches(event)),
            Query::Or(items) => items.iter().any(|q| q.matches(event)),
            Query::Not(inner) => !inner.matches(event),
            Query::Field(f) => f.matches(event),
            Query::Text(t) => t.matches(event),
        }
    }
}

impl FieldQuery {
    /// Whether the event's value at `field` satisfies the predicate; for an array, any
    /// element. An absent field, `null` and objects satisfy nothing but `Exists` (an
    /// object counts as present).
    pub fn matches(&self, event: &Event) -> bool {
        match event.get(&self.field) {
            Some(value) => self.predicate.matches_value(value),
            None => false,
        }
    }
}

impl Predicate {
    /// Whether a JSON value (a field's value) satisfies the predicate.
    pub fn matches_value(&self, value: &Value) -> bool {
        match value {
            Value::Array(items) => items.iter().any(|v| self.matches_value(v)),
            Value::Null => false,
            Value::Object(_) => matches!(self, Predicate::Exists),
            leaf => self.matches_leaf(leaf),
        }
    }

    fn matches_leaf(&self, v: &Value) -> bool {
        match self {
            Predicate::Exists => true,
            Predicate::Equals(s) => equals(v, s),
            Predicate::Wildcard(p) => leaf_text(v).is_some_and(|t| p.matches(&t)),
            Predicate::Cidr(net) => leaf_ip(v).is_some_and(|ip| net.contains(&ip)),
            Predicate::Range { lower, upper } => {
                let above = match lower {
                    Bound::Unbounded => true,
                    Bound::Included(s) => compare(v, s).is_some_and(Ordering::is_ge),
                    Bound::Excluded(s) => compare(v, s).is_some_and(Ordering::is_gt),
                };
                above
                    && match upper {
                        Bound::Unbounded => true,
                        Bound::Included(s) => compare(v, s).is_some_and(Ordering::is_le),
                        Bound::Excluded(s) => compare(v, s).is_some_and(Ordering::is_lt),
                    }
            }
        }
    }
}

/// A scalar leaf as text: strings as they are, numbers as JSON writes them, booleans as
/// `true` / `false`.
fn leaf_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

fn leaf_num(v: &Value) -> Option<Num> {
    match v {
        Value::Number(n) => n.as_i64().map(Num::I).or_else(|| n.as_f64().map(Num::F)),
        Value::String(s) => Num::from_str(s),
        _ => None,
    }
}

fn leaf_ip(v: &Value) -> Option<IpAddr> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn equals(v: &Value, s: &Scalar) -> bool {
    let same_text = || leaf_text(v).is_some_and(|t| t.eq_ignore_ascii_case(&s.to_text()));
    match s {
        Scalar::Str(q) => leaf_text(v).is_some_and(|t| t.eq_ignore_ascii_case(q)),
        Scalar::Int(_) | Scalar::Float(_) => {
            let q = Num::from_scalar(s);
            leaf_num(v).zip(q).and_then(|(a, b)| a.cmp(b)) == Some(Ordering::Equal) || same_text()
        }
        Scalar::Ip(q) => leaf_ip(v) == Some(*q) || same_text(),
        Scalar::Time(q) => v.as_str().and_then(parse_time) == Some(*q) || same_text(),
    }
}

/// The field value compared with a bound, as the bound's type; `None` when the value is
/// not of that type (the bound then fails).
fn compare(v: &Value, bound: &Scalar) -> Option<Ordering> {
    match bound {
        Scalar::Int(_) | Scalar::Float(_) => leaf_num(v)?.cmp(Num::from_scalar(bound)?),
        Scalar::Time(t) => Some(parse_time(v.as_str()?)?.cmp(t)),
        Scalar::Ip(ip) => {
            let a = leaf_ip(v)?;
            (a.is_ipv4() == ip.is_ipv4()).then(|| a.cmp(ip))
        }
        Scalar::Str(s) => {
            let a = leaf_text(v)?.to_ascii_lowercase();
            Some(a.as_str().cmp(s.to_ascii_lowercase().as_str()))
        }
    }
}

impl TextQuery {
    /// Whether any of the event's [`TEXT_FIELDS`] contains the term.
    pub fn matches(&self, event: &Event) -> bool {
        TEXT_FIELDS
            .iter()
            .filter_map(|f| event.get(f))
            .any(|v| match v {
                Value::String(s) => self.matches_text(s),
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|s| self.matches_text(s)),
                _ => false,
            })
    }

    /// Whether the tokens of `text` (by [`tokenize_text`]) contain the term.
    pub fn matches_text(&self, text: &str) -> bool {
        match self {
            TextQuery::Word(w) => tokenize_text(text).any(|t| t == *w),
            TextQuery::Prefix(p) => tokenize_text(text).any(|t| t.starts_with(p.as_str())),
            TextQuery::Phrase(words) => {
                if words.is_empty() {
                    return false;
                }
                let tokens: Vec<String> = tokenize_text(text).collect();
                tokens.windows(words.len()).any(|w| w == words.as_slice())
            }
        }
    }
}
