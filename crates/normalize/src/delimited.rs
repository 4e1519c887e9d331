//! Pieces CEF and LEEF share: a `|`-delimited header with backslash escapes, `key=value`
//! extensions whose values may contain spaces, and an optional syslog envelope in front.

use crate::{fields, syslog, ParseOptions, RecordMeta};
use serde_json::{Map, Value};
use std::borrow::Cow;
use steward_model::Event;

/// Detection score of a `|`-delimited format whose header starts with `marker`.
pub(crate) fn marker_score(line: &str, marker: &str) -> u8 {
    match find_marker(line, marker) {
        Some(at) if line[at..].contains('|') => 95,
        _ => 0,
    }
}

/// Finds `marker` (e.g. `CEF:`) where a record of that format can start: at the beginning,
/// or after the space or `>` that ends a syslog header, and followed by a version digit.
pub(crate) fn find_marker(line: &str, marker: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(found) = line.get(from..).and_then(|rest| rest.find(marker)) {
        let at = from + found;
        let boundary = at == 0 || matches!(b[at - 1], b' ' | b'>' | b'\t' | b':');
        if boundary && b.get(at + marker.len()).is_some_and(u8::is_ascii_digit) {
            return Some(at);
        }
        from = at + marker.len();
    }
    None
}

/// Applies the syslog header in front of a CEF/LEEF record, if the prefix is one.
pub(crate) fn apply_syslog_prefix(
    prefix: &str,
    opts: &ParseOptions,
    meta: &RecordMeta,
    event: &mut Event,
) {
    if prefix.trim().is_empty() {
        return;
    }
    if let Ok(header) = syslog::parse_any(prefix, opts, meta) {
        syslog::apply_header(header, event);
    }
}

/// Splits `text` at unescaped `|` into up to `n` fields. Returns the fields and, when all `n`
/// were terminated by a pipe, the offset where the remainder starts. Otherwise the last,
/// unterminated field is included and the offset is `None`.
pub(crate) fn split_header(text: &str, n: usize) -> (Vec<Cow<'_, str>>, Option<usize>) {
    let b = text.as_bytes();
    let mut fields = Vec::with_capacity(n);
    let mut start = 0;
    let mut escaped = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                escaped = true;
                i += 2;
                continue;
            }
            b'|' => {
                fields.push(header_field(&text[start..i], escaped));
                escaped = false;
                start = i + 1;
                if fields.len() == n {
                    return (fields, Some(start));
                }
            }
            _ => {}
        }
        i += 1;
    }
    if start < b.len() {
        fields.push(header_field(&text[start..], escaped));
    }
    (fields, None)
}

/// Header fields escape only `\|` and `\\`.
fn header_field(raw: &str, escaped: bool) -> Cow<'_, str> {
    if !escaped {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('|' | '\\'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'[' | b']')
}

/// `key=` at `at`: the position of the `=`.
fn key_at(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    while i < b.len() && is_key_char(b[i]) {
        i += 1;
    }
    (i > at && b.get(i) == Some(&b'=')).then_some(i)
}

/// The next `key=` that starts at `from` (when `here`) or just after a space.
fn find_key(b: &[u8], from: usize, here: bool) -> Option<(usize, usize)> {
    if here {
        if let Some(eq) = key_at(b, from) {
            return Some((from, eq));
        }
    }
    // Each byte is looked at by at most one key_at call (the run after one space), so this
    // stays linear however long the value.
    let mut i = from;
    while i < b.len() {
        if b[i] == b' ' {
            if let Some(eq) = key_at(b, i + 1) {
                return Some((i + 1, eq));
            }
        }
        i += 1;
    }
    None
}

/// CEF-style extension pairs: a value runs until the next ` key=`, so it may hold spaces;
/// a literal `=` in a value is escaped as `\=`. Yields `(key, raw value)`.
pub(crate) struct ExtPairs<'a> {
    text: &'a str,
    next: Option<(usize, usize)>,
}

impl<'a> ExtPairs<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let start = text.len() - text.trim_start().len();
        Self {
            text,
            next: find_key(text.as_bytes(), start, true),
        }
    }
}

impl<'a> Iterator for ExtPairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let (key_start, eq) = self.next?;
        let b = self.text.as_bytes();
        let following = find_key(b, eq + 1, false);
        let value_end = following.map_or(b.len(), |(k, _)| k - 1).max(eq + 1);
        self.next = following;
        let value = self.text[eq + 1..value_end].trim_end_matches([' ', '\t']);
        Some((&self.text[key_start..eq], value))
    }
}

/// Extension values escape `\=`, `\\`, `\n`, `\r` (and, from some senders, `\|`).
pub(crate) fn unescape_value(raw: &str) -> String {
    crate::escape::unescape(raw, &['=', '\\', '|'], true)
}

/// Stores vendor pairs under `namespace`, nesting dotted keys like every document key.
pub(crate) fn set_namespace(event: &mut Event, namespace: &str, pairs: Map<String, Value>) {
    if pairs.is_empty() {
        return;
    }
    let pairs = if pairs.keys().any(|k| k.contains('.')) {
        let bounded: Map<String, Value> = pairs
            .into_iter()
            .map(|(k, v)| (fields::bounded_key(&k).into_owned(), v))
            .collect();
        Event::from_object(bounded).into_object()
    } else {
        pairs
    };
    event.set(namespace, Value::Object(pairs));
}

/// Numeric severity 0-10, or the words CEF allows instead.
pub(crate) fn severity_number(value: &str) -> Option<u8> {
    let value = value.trim();
    if let Ok(n) = value.parse::<u8>() {
        return Some(n.min(10));
    }
    let words = [
        ("low", 3),
        ("medium", 6),
        ("high", 8),
        ("very-high", 10),
        ("very high", 10),
        ("veryhigh", 10),
    ];
    words
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(value))
        .map(|(_, n)| *n)
}

/// Sets `event.severity` from a vendor severity, when it is one.
pub(crate) fn set_severity(event: &mut Event, value: &str) {
    if let Some(n) = severity_number(value) {
        event.set(steward_model::ecs::EVENT_SEVERITY, n);
    }
}

/// Sets `observer.*` from the vendor/product/version header fields.
pub(crate) fn set_observer(event: &mut Event, vendor: &str, product: &str, version: &str) {
    fields::set_keyword(event, "observer.vendor", vendor);
    fields::set_keyword(event, "observer.product", product);
    fields::set_keyword(event, "observer.version", version);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_needs_a_boundary_and_version() {
        assert_eq!(find_marker("CEF:0|a", "CEF:"), Some(0));
        assert_eq!(
            find_marker("<13>Jan 1 00:00:00 h CEF:0|a", "CEF:"),
            Some(21)
        );
        assert_eq!(find_marker("xCEF:0|a CEF:1|b", "CEF:"), Some(9));
        assert_eq!(find_marker("CEF:x", "CEF:"), None);
        assert_eq!(find_marker("no marker", "CEF:"), None);
    }

    #[test]
    fn header_split_with_escapes() {
        let (fields, rest) = split_header(r"0|Ven\|dor|Pro\\d|1.0|x", 3);
        assert_eq!(fields, vec!["0", "Ven|dor", r"Pro\d"]);
        assert_eq!(rest, Some(18));
        let (fields, rest) = split_header("a|b", 3);
        assert_eq!(fields, vec!["a", "b"]);
        assert_eq!(rest, None);
        let (fields, rest) = split_header("a\\", 3);
        assert_eq!(fields, vec!["a\\"]);
        assert_eq!(rest, None);
    }

    #[test]
    fn extension_pairs_with_spaces_and_escapes() {
        let pairs: Vec<_> =
            ExtPairs::new(r"  junk msg=Hello big world  a\=b=c dst=1.2.3.4 k= empty=")
                .map(|(k, v)| (k, unescape_value(v)))
                .collect();
        assert_eq!(
            pairs,
            vec![
                ("msg", r"Hello big world  a=b=c".to_owned()),
                ("dst", "1.2.3.4".to_owned()),
                ("k", String::new()),
                ("empty", String::new()),
            ]
        );
        let pairs: Vec<_> = ExtPairs::new(r"cs1=a\nb\\c\rd\x").collect();
        assert_eq!(unescape_value(pairs[0].1), "a\nb\\c\rd\\x");
        assert_eq!(ExtPairs::new("no pairs").count(), 0);
        assert_eq!(ExtPairs::new("").count(), 0);
    }

    #[test]
    fn severities() {
        assert_eq!(severity_number("7"), Some(7));
        assert_eq!(severity_number("99"), Some(10));
        assert_eq!(severity_number("Very-High"), Some(10));
        assert_eq!(severity_number("low"), Some(3));
        assert_eq!(severity_number("Unknown"), None);
    }
}
