//! The quick filter language of Steward's search bar.
//!
//! Used by `GET /api/v1/events?q=...` and `steward search 'QUERY'`. This crate parses a
//! query into a [`Query`] AST and evaluates it against an in-memory
//! [`steward_model::Event`]; the storage backends compile the same AST to their own SQL
//! with bound parameters, and must give the results [`Query::matches`] gives. The AST is
//! explicit and typed: nothing in it needs parsing again.
//!
//! The user reference, with more examples, is `docs/search.md`.
//!
//! # Language
//!
//! ## Field terms
//!
//! | Query | Meaning |
//! |---|---|
//! | `host.name:web01` | equality ([`Predicate::Equals`]) |
//! | `http.request.method:"GET /index.html"` | quoted value, taken literally |
//! | `host.name:web*`, `user.name:adm?n` | wildcards ([`Predicate::Wildcard`]): `*` any run, `?` one character |
//! | `user.name:*` | field exists: present, not null, not an empty array ([`Predicate::Exists`]) |
//! | `source.ip:10.0.0.0/8`, `destination.ip:2001:db8::/32` | IP address inside a network ([`Predicate::Cidr`]) |
//! | `destination.port:>1024` (also `>=`, `<`, `<=`) | comparison ([`Predicate::Range`] with one open end) |
//! | `destination.port:[1 TO 1024]` | inclusive range; `{1 TO 1024}` exclusive; mixed `[1 TO 1024}`; `*` for an open end: `[1024 TO *]` |
//! | `@timestamp:[2026-01-01 TO 2026-01-02}` | ranges and comparisons of times |
//! | `host.name:(web01 OR web02)` | a group of values for one field, with the boolean syntax below |
//!
//! * **Field names** are `[A-Za-z0-9_@.-]+` followed directly by `:` (no space), e.g.
//!   `source.ip`, `@timestamp`, `event.action`; dots address nested ECS fields.
//! * **Values** are bare (`web01`, `10.0.0.5`, `-5`, `2026-01-01T00:00:00Z`; a bare
//!   value runs up to whitespace or `)`, so `field:2001:db8::1` takes the whole address)
//!   or double-quoted, where `\"` is a quote and `\\` a backslash (any other backslash is
//!   literal, so `"C:\Windows"` works). In a bare value, a backslash before a special
//!   character (`\ * ? ( ) " [ ] { } < >` and whitespace) makes it literal: `a\*b`,
//!   `a\ b`; before anything else it is literal (`C:\Windows\*.exe` is a pattern).
//!   A `(` or `"` inside a bare value is an error: quote the value.
//! * **Quoted values are literal**: no wildcards and always text. `field:"web*"` matches
//!   the value `web*`.
//! * **String matching is case-insensitive for ASCII letters only** (`WEB01` matches
//!   `web01`; `É` does not match `é`), for equality, wildcards and string ranges.
//! * **Value types** ([`Scalar`]): in `field:value`, a bare value written as a canonical
//!   integer (`4624`, `-7`) or float (`1.5`) is a number, one that parses as an IP
//!   address is an address, anything else is text. A number matches equal numbers and
//!   numeric strings (`event.code:4624` matches `4624` and `"4624"`); an address matches
//!   equal addresses however written (`2001:DB8::1` = `2001:db8:0::1`); every value also
//!   matches a field whose text equals its text. Non-canonical numbers (`0042`, `+5`,
//!   `1e3`) are text. Equality never treats a value as a time: `@timestamp:2026-01-01`
//!   compares text; use a range.
//! * **Comparisons and ranges** type each bound: an integer, a float, a time (RFC 3339
//!   such as `2026-01-01T10:00:00Z` or `...+02:00`, a zone-less `2026-01-01T10:00:00`
//!   taken as UTC, or a date `2026-01-01` meaning midnight UTC), an IP address, or else
//!   text. The field is compared as the bound's type: numbers numerically (numeric
//!   strings included), times as instants (RFC 3339 strings), addresses within one
//!   family, text by code point after ASCII lowercasing. A value not of that type fails
//!   the test. Both bounds of a range must have the same type (integers and floats mix).
//!   There is no date math (`now-1h`): use the time picker, or an absolute time.
//! * **Networks**: a value (bare or quoted) whose part before the first `/` is an IP
//!   address is a CIDR network; the prefix length must be valid (`/33` on IPv4 is an
//!   error). It matches fields holding an address (as a string) inside the network, of
//!   the same family.
//! * **Arrays** match when any element matches. `null`, absent fields and objects match
//!   nothing except `field:*` (an object counts as present).
//!
//! ## Full-text terms
//!
//! A bare word or a quoted phrase without `field:` searches the event's text: the
//! [`TEXT_FIELDS`] `message` and `event.original`.
//!
//! * Text is split into tokens by [`tokenize_text`]: runs of letters, digits and `_`,
//!   lowercased; everything else separates tokens. Search is case-insensitive.
//! * `failed` matches the whole token `failed` (not `unfailed` or `failedx`).
//! * `"Failed password"` matches consecutive tokens; so does a bare word that splits
//!   into several tokens (`10.0.0.5` is the phrase `10 0 0 5`).
//! * `fail*` matches tokens starting with `fail`. Only a trailing `*` on a single-token
//!   word is allowed in full text; other wildcards need `field:pattern`.
//! * Chinese, Japanese and Korean text is indexed as overlapping bigrams of consecutive
//!   CJK characters (`登录失败` → `登录 录失 失败`), and a query word is split the same
//!   way, so `登录失败` or `失败` find `用户登录失败` without a dictionary. A single CJK
//!   character is searched as a prefix: it finds runs where it is followed by another
//!   CJK character or stands alone, but not where it ends a run (search two characters
//!   for reliable results). See [`text_query_tokens`].
//! * A word with no letters or digits (`--`, `'`) is an error.
//!
//! ## Boolean syntax
//!
//! * `AND`, `OR`, `NOT` (uppercase only; lowercase `and` is a search word), or `&&`,
//!   `||`, `!`; a leading `-` also negates: `-user.name:root`. `!` and `-` must touch
//!   their term; keywords and `&&` / `||` must be separated by spaces.
//! * Adjacent terms are ANDed: `error source.ip:1.2.3.4`.
//! * Precedence: `NOT` binds tightest, then `AND`, then `OR`: `a OR b AND NOT c` is
//!   `a OR (b AND (NOT c))`. Parentheses group.
//! * Inside `field:( ... )` the same syntax combines values of that field:
//!   `host.name:(web01 OR web02)`, `event.action:("a b" AND c)`,
//!   `destination.port:(>1024 AND -8080)`.
//! * The empty query, only whitespace, or `*` matches everything.
//! * `NOT x` matches every event `x` does not match, including events without the field.
//!
//! ## Errors and limits
//!
//! Syntax errors are [`QueryError`]s with a 0-based **character** position:
//! `at position 17: expected ')' to close the '(' at position 4`. Queries longer than
//! [`MAX_QUERY_BYTES`] or nested deeper than [`MAX_DEPTH`] are refused. No input panics.
//!
//! ## Canonical form
//!
//! `Query`'s [`Display`](std::fmt::Display) writes a canonical query that parses back to
//! the same AST: `parse(&q.to_string()) == Ok(q)` for every `q` that `parse` returns.
//!
//! ```
//! let q = steward_query::parse("host.name:(web01 OR web02) -user.name:root").unwrap();
//! assert_eq!(q.to_string(), "(host.name:web01 OR host.name:web02) AND NOT user.name:root");
//! assert_eq!(steward_query::parse(&q.to_string()).unwrap(), q);
//! ```
#![forbid(unsafe_code)]

mod ast;
mod eval;
mod parser;
mod scalar;
mod text;
mod wildcard;

#[cfg(test)]
mod tests;

pub use ast::{FieldQuery, Predicate, Query, TextQuery};
pub use eval::TEXT_FIELDS;
pub use parser::{parse, MAX_DEPTH, MAX_QUERY_BYTES};
pub use scalar::{parse_time, Scalar, ValueContext};
pub use text::{is_cjk, text_query_tokens, tokenize_text, TextTokens};
pub use wildcard::{WildcardPart, WildcardPattern, LIKE_ESCAPE};

/// A syntax error: where (0-based character offset into the query) and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at position {position}: {message}")]
pub struct QueryError {
    pub position: usize,
    pub message: String,
}

impl QueryError {
    pub fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}
