//! The query AST and its canonical text form.

use crate::scalar::{format_time, Scalar, ValueContext};
use crate::wildcard::{WildcardPart, WildcardPattern};
use std::fmt::{self, Display, Formatter, Write as _};
use std::ops::Bound;

/// A parsed query. The parser returns it normalised: `And`/`Or` have at least two
/// items, never directly contain an item of their own kind, and `All` only appears as
/// the whole query or under `Not`.
#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// Matches every event (empty query, `*`).
    All,
    /// Every item matches. An empty list matches everything.
    And(Vec<Query>),
    /// At least one item matches. An empty list matches nothing.
    Or(Vec<Query>),
    /// The inner query does not match — including when the field it tests is absent:
    /// `NOT user.name:root` matches events without `user.name`. (SQL backends must
    /// make sure a NULL from a missing field does not swallow the `NOT`.)
    Not(Box<Query>),
    /// A test on one field.
    Field(FieldQuery),
    /// Full-text search over the event's text (see [`crate::TEXT_FIELDS`]).
    Text(TextQuery),
}

/// `field:predicate`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldQuery {
    /// Dotted ECS path (`source.ip`, `@timestamp`); `[A-Za-z0-9_@.-]+`, no empty segment.
    pub field: String,
    pub predicate: Predicate,
}

/// What a [`FieldQuery`] tests. For array fields the test passes when any element
/// passes.
#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    /// `field:*` — present, not null, not an empty array.
    Exists,
    /// `field:value` — equality; strings compare ASCII case-insensitively; a number
    /// matches equal numbers and numeric strings; an address matches equal addresses.
    /// Every value also matches a field whose text equals the value's text.
    Equals(Scalar),
    /// `field:web*` — the field's text matches the pattern (ASCII case-insensitive).
    Wildcard(WildcardPattern),
    /// `field:10.0.0.0/8` — the field is an IP address inside the network. The network
    /// is truncated to its prefix (`10.1.2.3/8` is stored as `10.0.0.0/8`).
    Cidr(ipnet::IpNet),
    /// `field:>x`, `field:[a TO b]`. Both bounds have compatible types (two numbers,
    /// two times, two addresses or two strings); the field is compared as that type.
    /// `>x` is `Range { lower: Excluded(x), upper: Unbounded }`. Never both unbounded
    /// (`[* TO *]` parses as [`Predicate::Exists`]).
    Range {
        lower: Bound<Scalar>,
        upper: Bound<Scalar>,
    },
}

/// A full-text term; tokens are already lowercased by [`crate::tokenize_text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextQuery {
    /// One whole token.
    Word(String),
    /// A token starting with this text.
    Prefix(String),
    /// Consecutive tokens (at least two).
    Phrase(Vec<String>),
}

impl Query {
    /// Conjunction, normalised: nested `And`s are flattened, `All` items dropped, and a
    /// single remaining item returned as is (`All` when none remain).
    pub fn and(items: impl IntoIterator<Item = Query>) -> Query {
        let mut out = Vec::new();
        for item in items {
            match item {
                Query::All => {}
                Query::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Query::All,
            1 => out.pop().unwrap_or(Query::All),
            _ => Query::And(out),
        }
    }

    /// Disjunction, normalised: nested `Or`s are flattened, any `All` makes the whole
    /// `All`, and a single item is returned as is.
    pub fn or(items: impl IntoIterator<Item = Query>) -> Query {
        let mut out = Vec::new();
        for item in items {
            match item {
                Query::All => return Query::All,
                Query::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        if out.len() == 1 {
            out.pop().unwrap_or(Query::All)
        } else {
            Query::Or(out)
        }
    }

    pub fn field(field: impl Into<String>, predicate: Predicate) -> Query {
        Query::Field(FieldQuery {
            field: field.into(),
            predicate,
        })
    }

    /// Whether the query matches every event without looking at it.
    pub fn is_all(&self) -> bool {
        match self {
            Query::All => true,
            Query::And(items) => items.iter().all(Query::is_all),
            Query::Or(items) => items.iter().any(Query::is_all),
            _ => false,
        }
    }

    /// Every field the query tests, in order of first appearance, without repeats.
    /// Full-text terms are not included (they search [`crate::TEXT_FIELDS`]).
    pub fn fields(&self) -> Vec<&str> {
        fn walk<'a>(q: &'a Query, out: &mut Vec<&'a str>) {
            match q {
                Query::All | Query::Text(_) => {}
                Query::And(items) | Query::Or(items) => {
                    items.iter().for_each(|item| walk(item, out));
                }
                Query::Not(inner) => walk(inner, out),
                Query::Field(f) => {
                    if !out.contains(&f.field.as_str()) {
                        out.push(&f.field);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Whether the query has any full-text term.
    pub fn has_text(&self) -> bool {
        match self {
            Query::Text(_) => true,
            Query::And(items) | Query::Or(items) => items.iter().any(Query::has_text),
            Query::Not(inner) => inner.has_text(),
            Query::All | Query::Field(_) => false,
        }
    }
}

impl std::str::FromStr for Query {
    type Err = crate::QueryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::parse(s)
    }
}

// ---------------------------------------------------------------------------------------
// Canonical text form.
//
// `parse(&q.to_string()) == Ok(q)` for every query the parser returns: compound children
// are parenthesised, strings are quoted unless they would read back identically bare,
// numbers, addresses and times are written canonically, and field groups are written out
// as plain field terms.
// ---------------------------------------------------------------------------------------

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Query::All => f.write_str("*"),
            Query::And(items) if items.is_empty() => f.write_str("*"),
            Query::Or(items) if items.is_empty() => f.write_str("NOT *"),
            Query::And(items) | Query::Or(items) => {
                let op = if matches!(self, Query::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(op)?;
                    }
                    write_child(f, item)?;
                }
                Ok(())
            }
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                write_child(f, inner)
            }
            Query::Field(fq) => fq.fmt(f),
            Query::Text(t) => t.fmt(f),
        }
    }
}

fn write_child(f: &mut Formatter<'_>, q: &Query) -> fmt::Result {
    if matches!(q, Query::And(_) | Query::Or(_)) {
        write!(f, "({q})")
    } else {
        q.fmt(f)
    }
}

impl Display for FieldQuery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.field, self.predicate)
    }
}

impl Display for Predicate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use Bound::*;
        const CMP: ValueContext = ValueContext::Comparison;
        match self {
            Predicate::Exists => f.write_str("*"),
            Predicate::Equals(s) => write_scalar(f, s, ValueContext::Equality),
            Predicate::Wildcard(p) => p.fmt(f),
            Predicate::Cidr(net) => net.fmt(f),
            Predicate::Range { lower, upper } => match (lower, upper) {
                (Unbounded, Unbounded) => f.write_str("[* TO *]"),
                (Unbounded, Included(v)) => {
                    f.write_str("<=")?;
                    write_scalar(f, v, CMP)
                }
                (Unbounded, Excluded(v)) => {
                    f.write_str("<")?;
                    write_scalar(f, v, CMP)
                }
                (Included(v), Unbounded) => {
                    f.write_str(">=")?;
                    write_scalar(f, v, CMP)
                }
                (Excluded(v), Unbounded) => {
                    f.write_str(">")?;
                    write_scalar(f, v, CMP)
                }
                (lower, upper) => {
                    f.write_char(if matches!(lower, Included(_)) {
                        '['
                    } else {
                        '{'
                    })?;
                    write_bound(f, lower)?;
                    f.write_str(" TO ")?;
                    write_bound(f, upper)?;
                    f.write_char(if matches!(upper, Included(_)) {
                        ']'
                    } else {
                        '}'
                    })
                }
            },
        }
    }
}

fn write_bound(f: &mut Formatter<'_>, b: &Bound<Scalar>) -> fmt::Result {
    match b {
        Bound::Included(v) | Bound::Excluded(v) => write_scalar(f, v, ValueContext::Comparison),
        Bound::Unbounded => f.write_char('*'),
    }
}

/// Characters with a meaning somewhere in a bare value; a bare value containing one is
/// quoted (or, in a wildcard pattern, backslash-escaped).
pub(crate) fn is_special(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\\' | '*' | '?' | '(' | ')' | '"' | '[' | ']' | '{' | '}' | '<' | '>'
        )
}

const KEYWORDS: [&str; 4] = ["AND", "OR", "NOT", "TO"];

fn write_scalar(f: &mut Formatter<'_>, s: &Scalar, ctx: ValueContext) -> fmt::Result {
    let text = match s {
        Scalar::Str(text) => {
            let bare = !text.is_empty()
                && !text.starts_with('=')
                && !text.chars().any(|c| is_special(c) || c.is_control())
                && !KEYWORDS.contains(&text.as_str())
                && Scalar::from_bare(text, ctx) == *s;
            return if bare {
                f.write_str(text)
            } else {
                write_quoted(f, text)
            };
        }
        Scalar::Time(t) => format_time(*t),
        other => other.to_text(),
    };
    if Scalar::from_bare(&text, ctx) == *s {
        f.write_str(&text)
    } else {
        // Only reachable for hand-built values the parser cannot produce (a non-finite
        // float, a time in an equality): write the text so it is at least readable.
        write_quoted(f, &text)
    }
}

pub(crate) fn write_quoted(f: &mut impl fmt::Write, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

impl Display for WildcardPattern {
    /// The pattern in query syntax: literal characters that have a meaning in a bare value
    /// are backslash-escaped.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                WildcardPart::Literal(s) => {
                    for c in s.chars() {
                        if is_special(c) {
                            f.write_char('\\')?;
                        }
                        f.write_char(c)?;
                    }
                }
                WildcardPart::AnyRun => f.write_char('*')?,
                WildcardPart::AnyChar => f.write_char('?')?,
            }
        }
        Ok(())
    }
}

impl Display for TextQuery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TextQuery::Word(w) if is_plain_token(w) => f.write_str(w),
            TextQuery::Word(w) => write_quoted(f, w),
            TextQuery::Prefix(p) => {
                if is_plain_token(p) {
                    f.write_str(p)?;
                } else {
                    for c in p.chars() {
                        if is_special(c) {
                            f.write_char('\\')?;
                        }
                        f.write_char(c)?;
                    }
                }
                f.write_char('*')
            }
            TextQuery::Phrase(words) => write_quoted(f, &words.join(" ")),
        }
    }
}

/// A token as the tokenizer makes them: safe to write as a bare word.
fn is_plain_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '_' || c.is_alphanumeric())
}
